import { describe, expect, it } from 'vitest';
import { detectSystem, installCommand, programsFor } from '../../support/install-plan.mjs';

// Excerpts of real /etc/os-release files.
const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  ubuntu: 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
  mint: 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n',
  fedora: 'NAME="Fedora Linux"\nVERSION_ID=40\nID=fedora\n',
  rocky: 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
  arch: 'NAME="Arch Linux"\nID=arch\n',
  manjaro: 'NAME="Manjaro Linux"\nID=manjaro\nID_LIKE=arch\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n',
  opensuse: 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n',
};

describe('detectSystem', () => {
  it.each([
    ['debian', 'debian'],
    ['ubuntu', 'debian'],
    ['mint', 'debian'],
    ['fedora', 'fedora'],
    ['rocky', 'fedora'],
    ['arch', 'arch'],
    ['manjaro', 'arch'],
    ['alpine', 'alpine'],
    ['opensuse', 'unknown'],
  ] as const)('%s → %s', (name, system) => {
    expect(detectSystem('linux', OS_RELEASE[name])).toBe(system);
  });

  it('macOS from the platform; a Linux without os-release, or another platform, is unknown', () => {
    expect(detectSystem('darwin', undefined)).toBe('macos');
    expect(detectSystem('linux', undefined)).toBe('unknown');
    expect(detectSystem('win32', undefined)).toBe('unknown');
    expect(detectSystem('freebsd', OS_RELEASE.debian)).toBe('unknown');
  });
});

describe('installCommand: one command, for this system', () => {
  const tests = programsFor(['tests']);

  it('Debian as root: apt-get without sudo (what ensure-servers runs itself)', () => {
    const plan = installCommand({ platform: 'linux', osRelease: OS_RELEASE.debian, isRoot: true, missing: tests });
    expect(plan).toEqual({
      system: 'debian',
      packages: ['radicale', 'webhook', 'openssl', 'vdirsyncer', 'khal', 'todoman', 'xandikos'],
      command:
        'apt-get update && apt-get install -y --no-install-recommends radicale webhook openssl vdirsyncer khal todoman xandikos',
      notes: [],
    });
  });

  it('Ubuntu as a user: with sudo', () => {
    const plan = installCommand({
      platform: 'linux',
      osRelease: OS_RELEASE.ubuntu,
      isRoot: false,
      missing: ['webhook'],
    });
    expect(plan.command).toBe('sudo apt-get update && sudo apt-get install -y --no-install-recommends webhook');
  });

  it.each([
    ['fedora', 'sudo dnf install -y radicale webhook openssl vdirsyncer khal'],
    ['rocky', 'sudo dnf install -y radicale webhook openssl vdirsyncer khal'],
    ['arch', 'sudo pacman -S --needed --noconfirm radicale webhook openssl vdirsyncer khal'],
    ['alpine', 'sudo apk add radicale webhook openssl vdirsyncer khal xandikos'],
  ] as const)('%s: %s', (name, command) => {
    const plan = installCommand({ platform: 'linux', osRelease: OS_RELEASE[name], isRoot: false, missing: tests });
    expect(plan.command).toBe(command);
    // todoman is packaged by Debian alone (elsewhere its command is `todo`), xandikos by Debian and
    // Alpine: a note says how to get each where there is no package.
    expect(plan.notes).toEqual([
      expect.stringMatching(/^todoman: .*pip install --user todoman/),
      ...(name === 'alpine' ? [] : [expect.stringMatching(/^xandikos: .*pip install --user xandikos/)]),
    ]);
  });

  it("macOS: brew, never sudo, with Homebrew's openssl formula", () => {
    const plan = installCommand({ platform: 'darwin', osRelease: undefined, isRoot: false, missing: tests });
    expect(plan.command).toBe('brew install radicale webhook openssl@3 vdirsyncer khal');
  });

  it('macOS for the benchmark: vdirsyncer from brew, and a note that GNU time at /usr/bin/time needs Linux', () => {
    const plan = installCommand({
      platform: 'darwin',
      osRelease: undefined,
      isRoot: false,
      missing: ['vdirsyncer', 'time'],
    });
    expect(plan.command).toBe('brew install vdirsyncer');
    expect(plan.notes).toHaveLength(1);
    expect(plan.notes[0]).toContain('/usr/bin/time');
  });

  it('an unknown system: pip for radicale and vdirsyncer, notes for the rest', () => {
    const plan = installCommand({
      platform: 'linux',
      osRelease: OS_RELEASE.opensuse,
      isRoot: false,
      missing: ['radicale', 'webhook', 'openssl', 'vdirsyncer'],
    });
    expect(plan.command).toBe('python3 -m pip install --user radicale vdirsyncer');
    expect(plan.notes).toHaveLength(2);
    expect(plan.notes[0]).toContain('github.com/adnanh/webhook');
    expect(plan.notes[1]).toMatch(/^openssl:/);
  });

  it('an unknown system missing only what pip cannot install: no command, only notes', () => {
    const plan = installCommand({ platform: 'win32', osRelease: undefined, isRoot: false, missing: ['webhook'] });
    expect(plan.command).toBeUndefined();
    expect(plan.notes).toHaveLength(1);
  });

  it('Debian for the benchmark: vdirsyncer and the time package', () => {
    const plan = installCommand({
      platform: 'linux',
      osRelease: OS_RELEASE.debian,
      isRoot: true,
      missing: programsFor(['bench']),
    });
    expect(plan.packages).toEqual(['radicale', 'vdirsyncer', 'time']);
  });
});

describe('programsFor', () => {
  it('each use needs its programs; several uses need each program once', () => {
    expect(programsFor(['tests'])).toEqual([
      'radicale',
      'webhook',
      'openssl',
      'vdirsyncer',
      'khal',
      'todoman',
      'xandikos',
    ]);
    expect(programsFor(['demo'])).toEqual(['radicale']);
    expect(programsFor(['bench'])).toEqual(['radicale', 'vdirsyncer', 'time']);
    expect(programsFor(['tests', 'bench'])).toEqual([
      'radicale',
      'webhook',
      'openssl',
      'vdirsyncer',
      'khal',
      'todoman',
      'xandikos',
      'time',
    ]);
  });
});
