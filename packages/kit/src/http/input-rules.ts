import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifyRequest, preValidationHookHandler, RouteOptions } from 'fastify';
import { requireAdmin, requireUser } from '../auth/auth-hook.ts';
import { CommonProblems, HttpProblem, type ProblemFieldError } from '../problem.ts';
import { CONTROL, jsonBodyProblem } from './json-body.ts';

/**
 * API.md's input rules, once for every route of every service (audit [6] items 5, 9 and 10):
 *
 * - bodies are taken as written: no type coercion (`"3"`, `true` or `[2]` for a number → 400);
 *   query and path values are coerced from text, but a number there must be plain decimal digits;
 * - numbers are finite, strings hold no control characters (only a `description` may hold `\n` and
 *   `\t`), a body is UTF-8 and a query string decodes to UTF-8;
 * - a route without a query-string schema takes no query parameters (`config: { anyQuery: true }`
 *   opts out: the gateway's proxy, which forwards the query to the service that checks it);
 * - `config: { access: 'user' | 'admin' }` checks the caller before any of the above, so a route
 *   answers 401, then 403, then 400.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: checked before validation. */
    access?: 'user' | 'admin';
    /** Query parameters are someone else's to check (a proxy). */
    anyQuery?: boolean;
  }
}

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;
const PLAIN_INTEGER = /^[0-9]{1,15}$/;
const PLAIN_SIGNED_INTEGER = /^-?[0-9]{1,15}$/;
const PLAIN_DECIMAL = /^-?[0-9]{1,15}(\.[0-9]{1,15})?$/;

const userOnly: preValidationHookHandler = async (request) => void requireUser(request);
const adminOnly: preValidationHookHandler = async (request) => void requireAdmin(request);

type JsonSchema = { type?: string | string[]; minimum?: number; anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema> };

/** What a query or path value must look like as text, when the schema wants a number there. */
function numberPattern(schema: JsonSchema | undefined): RegExp | undefined {
  if (!schema) return undefined;
  const types = [schema.type, ...(schema.anyOf ?? []).map((s) => s.type)].flat();
  const signed = (schema.minimum ?? 0) < 0;
  if (types.includes('number')) return PLAIN_DECIMAL;
  if (types.includes('integer')) return signed ? PLAIN_SIGNED_INTEGER : PLAIN_INTEGER;
  return undefined;
}

function numberPatterns(schema: unknown): Map<string, RegExp> {
  const patterns = new Map<string, RegExp>();
  for (const [name, property] of Object.entries((schema as JsonSchema | undefined)?.properties ?? {})) {
    const pattern = numberPattern(property);
    if (pattern) patterns.set(name, pattern);
  }
  return patterns;
}

function validationProblem(errors: ProblemFieldError[]): HttpProblem {
  const first = errors[0];
  const where = first && 'parameter' in first ? first.parameter : '';
  return new HttpProblem(CommonProblems.validation, `${where} ${first?.detail ?? 'is invalid'}`, { extensions: { errors } });
}

/** Query or path values: text without control characters, numbers as plain digits. */
function textValueErrors(values: unknown, patterns: Map<string, RegExp>): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  for (const [name, value] of Object.entries((values as Record<string, unknown> | undefined) ?? {})) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      if (CONTROL.test(text) || CONTROL.test(name)) errors.push({ parameter: name, detail: 'must not hold control characters' });
      else if (patterns.get(name) && !patterns.get(name)?.test(text)) {
        errors.push({ parameter: name, detail: 'must be a plain decimal number (digits only)' });
      }
    }
  }
  return errors;
}

/** True when every name and value of the URL's query string decodes to UTF-8 text. */
export function queryDecodes(url: string): boolean {
  const at = url.indexOf('?');
  if (at === -1) return true;
  try {
    for (const pair of url.slice(at + 1).split('&')) for (const part of pair.split('=')) decodeURIComponent(part.replaceAll('+', ' '));
    return true;
  } catch {
    return false;
  }
}

function textRules(routeOptions: RouteOptions): preValidationHookHandler {
  const queryPatterns = numberPatterns(routeOptions.schema?.querystring);
  const paramPatterns = numberPatterns(routeOptions.schema?.params);
  return async (request: FastifyRequest) => {
    if (!queryDecodes(request.raw.url ?? '')) {
      throw validationProblem([{ parameter: 'query', detail: 'holds invalid percent-encoding or bytes that are not UTF-8' }]);
    }
    const errors = [...textValueErrors(request.params, paramPatterns), ...textValueErrors(request.query, queryPatterns)];
    if (errors.length > 0) throw validationProblem(errors);
  };
}

const asArray = <T>(hooks: T | T[] | undefined): T[] => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);

export function installInputRules(app: FastifyInstance): void {
  const build = AjvCompiler();
  const base = { removeAdditional: false, allErrors: true, useDefaults: true, allowUnionTypes: true } as const;
  const forBody = build({}, { customOptions: { ...base, coerceTypes: false } });
  const forText = build({}, { customOptions: { ...base, coerceTypes: 'array' } });
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? forBody(route) : forText(route)));

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const parsed = jsonBodyProblem(body as Buffer);
    if (parsed.problem) done(parsed.problem, undefined);
    else done(null, parsed.value);
  });

  app.addHook('onRoute', (routeOptions) => {
    const config = routeOptions.config ?? {};
    if (!config.anyQuery) {
      routeOptions.schema ??= {};
      routeOptions.schema.querystring ??= NO_QUERY;
    }
    const guard = config.access === 'admin' ? adminOnly : config.access === 'user' ? userOnly : undefined;
    routeOptions.preValidation = [...(guard ? [guard] : []), ...asArray(routeOptions.preValidation), textRules(routeOptions)];
  });
}
