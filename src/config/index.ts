/** Public API of the config module. */

export { ENV_BINDINGS, type EnvBinding, type EnvOverride, envVariablesFor, readEnvOverrides } from './env.js';
export type { ConfigIssue } from './issues.js';
export { type LoadConfigOptions, loadConfig, MODULE_NAME, SEARCH_PLACES } from './load.js';
export {
  MIN_SECRET_LENGTH,
  makeRedactor,
  REDACTED,
  redactSecrets,
  redactUrl,
  type SecretSource,
  secretsOf,
} from './redact.js';
export {
  type ConfigFile,
  configFileSchema,
  DEFAULTS,
  defaultWebUrl,
  type ValidatedConfig,
  type ValidateOptions,
  validateConfig,
} from './schema.js';
export type { Config, LoadedConfig } from './types.js';
export { SECRET_PATHS } from './types.js';
export { isLoopbackHost } from './url.js';
