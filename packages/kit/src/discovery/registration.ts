import type { InstanceRegistration, RegistrationReceipt } from '@mercato/contracts';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { basicAuthorization, type ClientCredentials } from '../auth/basic-credentials.ts';

/**
 * Keeps one instance registered: registers, heartbeats at a fixed interval, registers again when
 * the registry answers 404 (it restarted or evicted us), and keeps trying while it is unreachable.
 */
export class Registration {
  readonly #registryUrl: string;
  readonly #self: InstanceRegistration;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #authorization: Record<string, string>;
  readonly #dispatcher: Dispatcher | undefined;
  #id: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unreachable = false;
  #beating: Promise<void> = Promise.resolve();

  /** With `credentials` (the service's client id and secret), every write proves who this instance is. */
  constructor(options: {
    registryUrl: string;
    self: InstanceRegistration;
    heartbeatMs: number;
    credentials?: ClientCredentials | undefined;
    log: Logger;
    /** The one that presents this process's certificate under MERCATO_INTERNAL_TLS=on. */
    dispatcher?: Dispatcher | undefined;
  }) {
    this.#dispatcher = options.dispatcher;
    this.#authorization = options.credentials ? { authorization: basicAuthorization(options.credentials) } : {};
    this.#registryUrl = options.registryUrl.replace(/\/$/, '');
    this.#self = options.self;
    this.#intervalMs = options.heartbeatMs;
    this.#log = options.log;
  }

  get id(): string | undefined {
    return this.#id;
  }

  /** Registers once (retrying the first failure in the background) and starts the heartbeat. */
  async start(): Promise<void> {
    await this.#register().catch((error) => this.#noteUnreachable(error));
    this.#timer = setInterval(() => {
      this.#beating = this.#beat();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    const id = this.#id;
    this.#id = undefined;
    if (!id) return;
    try {
      const response = await request(`${this.#registryUrl}/instances/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: this.#authorization,
        headersTimeout: 2_000,
        dispatcher: this.#dispatcher,
      });
      await response.body.dump();
    } catch (error) {
      this.#log.warn({ err: error }, 'could not deregister; the registry evicts this instance after its TTL');
    }
  }

  async #register(): Promise<void> {
    const response = await request(`${this.#registryUrl}/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.#authorization },
      body: JSON.stringify(this.#self),
      headersTimeout: 2_000,
      dispatcher: this.#dispatcher,
    });
    if (response.statusCode !== 201) {
      const text = await response.body.text();
      throw new Error(`registry refused registration: ${response.statusCode} ${text}`);
    }
    const receipt = (await response.body.json()) as RegistrationReceipt;
    this.#id = receipt.id;
    if (this.#unreachable) this.#log.info({ instanceId: receipt.id }, 'registered again with the registry');
    this.#unreachable = false;
  }

  async #beat(): Promise<void> {
    try {
      if (!this.#id) return await this.#register();
      const response = await request(`${this.#registryUrl}/instances/${encodeURIComponent(this.#id)}/heartbeat`, {
        method: 'PUT',
        headers: this.#authorization,
        headersTimeout: 2_000,
        dispatcher: this.#dispatcher,
      });
      await response.body.dump();
      if (response.statusCode === 404) {
        this.#log.info('the registry does not know this instance any more; registering again');
        this.#id = undefined;
        await this.#register();
      }
    } catch (error) {
      this.#noteUnreachable(error);
    }
  }

  #noteUnreachable(error: unknown): void {
    if (!this.#unreachable) this.#log.warn({ err: error }, 'cannot register with the registry; will keep trying');
    this.#unreachable = true;
  }
}
