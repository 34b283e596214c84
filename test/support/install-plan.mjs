// The pure half of ensure-servers.mjs: which programs each use needs, and the one command that
// installs the missing ones on a given system (from process.platform and /etc/os-release).
// Plain JavaScript so it runs before anything is built; types in install-plan.d.mts.

/**
 * What each program is for, and its package on each system (undefined: that system has none).
 * `pip` is the fallback where no package manager is known.
 */
export const PROGRAMS = {
  radicale: {
    purpose: 'Radicale, the CalDAV server the tests and the demo run',
    packages: {
      debian: 'radicale',
      fedora: 'radicale',
      arch: 'radicale',
      alpine: 'radicale',
      macos: 'radicale',
      pip: 'radicale',
    },
  },
  xandikos: {
    purpose: 'Xandikos, the second CalDAV server the incremental-read (sync-collection) tests run',
    // Packaged by Debian and Alpine; elsewhere it comes from PyPI.
    packages: { debian: 'xandikos', alpine: 'xandikos', pip: 'xandikos' },
    elsewhere: 'xandikos: `python3 -m pip install --user xandikos` (its `xandikos` command must be on the PATH)',
  },
  webhook: {
    purpose: 'webhook (adnanh/webhook), the HTTP receiver the receiver test runs',
    packages: { debian: 'webhook', fedora: 'webhook', arch: 'webhook', alpine: 'webhook', macos: 'webhook' },
    elsewhere:
      'webhook: a release binary from https://github.com/adnanh/webhook/releases, or `go install github.com/adnanh/webhook@latest`',
  },
  openssl: {
    purpose: 'openssl, which makes the self-signed certificate of the health test',
    packages: { debian: 'openssl', fedora: 'openssl', arch: 'openssl', alpine: 'openssl', macos: 'openssl@3' },
    elsewhere: "openssl: your system's package manager has it",
  },
  vdirsyncer: {
    purpose: 'vdirsyncer, the tool the benchmark compares against and the export test subscribes with',
    packages: {
      debian: 'vdirsyncer',
      fedora: 'vdirsyncer',
      arch: 'vdirsyncer',
      alpine: 'vdirsyncer',
      macos: 'vdirsyncer',
      pip: 'vdirsyncer',
    },
  },
  khal: {
    purpose: 'khal, the calendar app the export test imports a feed into',
    packages: { debian: 'khal', fedora: 'khal', arch: 'khal', alpine: 'khal', macos: 'khal', pip: 'khal' },
  },
  todoman: {
    purpose: 'todoman, the task client the item-shapes test reads a task calendar with',
    // Debian's package names the command `todoman`; pip and the other systems call it `todo`.
    packages: { debian: 'todoman' },
    elsewhere:
      'todoman: `python3 -m pip install --user todoman`, then put its `todo` command on the PATH as `todoman` (the name Debian gives it)',
  },
  time: {
    purpose: 'GNU time at /usr/bin/time, which the benchmark measures CPU and memory with',
    packages: { debian: 'time', fedora: 'time', arch: 'time', alpine: 'time' },
    // Homebrew's gnu-time installs `gtime`; /usr/bin/time stays BSD time.
    elsewhere: 'GNU time at /usr/bin/time: the benchmark needs a Linux system (on macOS /usr/bin/time is BSD time)',
  },
};

/** Which programs each use needs. */
export const NEEDS = {
  tests: ['radicale', 'webhook', 'openssl', 'vdirsyncer', 'khal', 'todoman', 'xandikos'],
  demo: ['radicale'],
  bench: ['radicale', 'vdirsyncer', 'time'],
};

/** The os-release fields that name a system and what it derives from ("ID=ubuntu", "ID_LIKE=debian"). */
function osReleaseIds(text) {
  const field = (name) => {
    const match = new RegExp(`^${name}=(.*)$`, 'm').exec(text ?? '');
    return match
      ? match[1]
          .trim()
          .replace(/^["']|["']$/g, '')
          .toLowerCase()
      : '';
  };
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)].filter(Boolean);
}

/** debian | fedora | arch | alpine | macos | unknown, from process.platform and /etc/os-release. */
export function detectSystem(platform, osRelease) {
  if (platform === 'darwin') return 'macos';
  if (platform !== 'linux') return 'unknown';
  const ids = osReleaseIds(osRelease);
  if (ids.some((id) => id === 'debian' || id === 'ubuntu')) return 'debian';
  if (ids.some((id) => id === 'fedora' || id === 'rhel' || id === 'centos')) return 'fedora';
  if (ids.includes('arch')) return 'arch';
  if (ids.includes('alpine')) return 'alpine';
  return 'unknown';
}

function managerCommand(system, packages, isRoot) {
  const sudo = isRoot ? '' : 'sudo ';
  const list = packages.join(' ');
  switch (system) {
    case 'debian':
      return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${list}`;
    case 'fedora':
      return `${sudo}dnf install -y ${list}`;
    case 'arch':
      return `${sudo}pacman -S --needed --noconfirm ${list}`;
    case 'alpine':
      return `${sudo}apk add ${list}`;
    case 'macos':
      return `brew install ${list}`;
    default:
      return `python3 -m pip install --user ${list}`;
  }
}

/**
 * Pure: the one command that installs `missing` on this system, and notes for the programs that
 * command cannot provide. `command` is undefined when it provides none of them.
 * @param {{ platform: string, osRelease: string | undefined, isRoot: boolean, missing: string[] }} input
 * @returns {{ system: string, packages: string[], command: string | undefined, notes: string[] }}
 */
export function installCommand({ platform, osRelease, isRoot, missing }) {
  const system = detectSystem(platform, osRelease);
  const key = system === 'unknown' ? 'pip' : system;
  const packages = [];
  const notes = [];
  for (const name of missing) {
    const program = PROGRAMS[name];
    const pkg = program.packages[key];
    if (pkg !== undefined) packages.push(pkg);
    else notes.push(program.elsewhere ?? `${name}: install it with your system's package manager`);
  }
  const command = packages.length > 0 ? managerCommand(system, packages, isRoot) : undefined;
  return { system, packages, command, notes };
}

/** The programs `uses` need, once each, in a stable order. */
export function programsFor(uses) {
  return [...new Set(uses.flatMap((use) => NEEDS[use]))];
}
