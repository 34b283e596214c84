/** What every networked command starts with: the config (warnings shown, secrets masked) and the services. */
import { loadConfig } from '../config/load.js';
import { makeRedactor, secretsOf } from '../config/redact.js';
import type { Config } from '../config/types.js';
import type { Output } from './output.js';
import { openServices, type Services } from './services.js';

export interface RunContext {
  config: Config;
  filepath: string | undefined;
  services: Services;
}

/** `optional`: required keys this command can do without (they come back as ''); see ValidateOptions. */
export async function loadConfigFor(
  output: Output,
  optional?: readonly string[],
): Promise<{ config: Config; filepath: string | undefined }> {
  const loaded = await loadConfig({
    configPath: output.options.config,
    env: process.env,
    cwd: process.cwd(),
    optional,
  });
  const { config } = loaded;
  output.setRedactor(makeRedactor(secretsOf(config)));
  for (const warning of loaded.warnings) output.warn(warning);
  output.debug(`config: ${loaded.filepath ?? 'environment only'}`);
  return { config, filepath: loaded.filepath };
}

export async function loadRunContext(output: Output): Promise<RunContext> {
  const { config, filepath } = await loadConfigFor(output);
  return { config, filepath, services: openServices(config, output) };
}
