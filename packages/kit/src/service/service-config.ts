import { type Static, type TObject, type TProperties, Type } from 'typebox';
import { BaseConfig, loadConfig } from '../config.ts';
import { databaseUrlVariable } from './database-url-variable.ts';

const PostgresUrl = Type.String({ pattern: '^postgres(ql)?://' });

/**
 * The service's whole configuration from the environment: the kit's BaseConfig, its own port
 * variable, its own vars, and its database URL when it owns a database. Throws a ConfigError naming
 * the variable on the first bad value.
 */
export function loadServiceConfig<P extends TProperties>(
  definition: { name: string; config?: TObject<P>; port?: { variable: string; default: number }; migrations?: URL },
  env: NodeJS.ProcessEnv,
): { config: BaseConfig & Static<TObject<P>>; databaseUrl: string | undefined } {
  const base = loadConfig(BaseConfig, env);
  if (definition.port) {
    const { variable, default: fallback } = definition.port;
    const schema = Type.Object({ [variable]: Type.Integer({ minimum: 0, maximum: 65535, default: fallback }) });
    base.PORT = (loadConfig(schema, env) as Record<string, number>)[variable] ?? fallback;
  }
  const own = definition.config ? loadConfig(definition.config, env) : ({} as Static<TObject<P>>);
  const config = { ...base, ...own } as BaseConfig & Static<TObject<P>>;
  if (!definition.migrations) return { config, databaseUrl: undefined };
  const variable = databaseUrlVariable(definition.name);
  const schema = Type.Object({ [variable]: PostgresUrl });
  const value = env[variable] ?? env.DATABASE_URL;
  return { config, databaseUrl: (loadConfig(schema, { [variable]: value }) as Record<string, string>)[variable] };
}
