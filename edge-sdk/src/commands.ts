// Down-link: commands (`d/{id}/cmd/{name}` -> handler -> reply on `d/{id}/reply`) and desired configuration
// (retained `d/{id}/cmd/_config` -> handlers -> reported on `d/{id}/config/reported`).
import { EdgeError } from './errors.js';
import {
  CONFIG_COMMAND,
  parseCommand,
  parseConfigDocument,
  type Command,
  type CommandReply,
  type ConfigDocument,
} from './protocol/index.js';

export type CommandHandler = (data: unknown, command: Command) => unknown;
export type ConfigHandler = (config: Record<string, unknown>, doc: ConfigDocument) => unknown;

export interface CommandRouterDeps {
  reply(reply: CommandReply): void;
  report(doc: ConfigDocument): void;
  error(err: EdgeError): void;
  config(doc: ConfigDocument): void;
}

const RECENT_IDS = 256;

export class CommandRouter {
  readonly #handlers = new Map<string, CommandHandler>();
  readonly #configHandlers = new Set<ConfigHandler>();
  readonly #recent: string[] = [];
  readonly #deps: CommandRouterDeps;
  #desired: ConfigDocument | null = null;
  #applied = -1;

  constructor(deps: CommandRouterDeps) {
    this.#deps = deps;
  }

  onCommand(name: string, handler: CommandHandler): void {
    if (name === CONFIG_COMMAND)
      throw new EdgeError('sdk.bad_input', `"${CONFIG_COMMAND}" is reserved: use onConfig`);
    this.#handlers.set(name, handler);
  }

  onConfig(handler: ConfigHandler): void {
    this.#configHandlers.add(handler);
    // a desired configuration that arrived before any handler was registered is applied now
    if (this.#desired !== null) void this.#applyConfig(this.#desired, [handler]);
  }

  /** Handles one down-link message; `name` is the last topic level. */
  async handle(name: string, payload: Uint8Array): Promise<void> {
    if (name === CONFIG_COMMAND) {
      if (payload.length === 0) return; // retained configuration cleared
      let doc: ConfigDocument;
      try {
        doc = parseConfigDocument(payload);
      } catch (err) {
        this.#deps.error(
          new EdgeError('sdk.command', `bad desired configuration: ${(err as Error).message}`, {
            cause: err,
          }),
        );
        return;
      }
      if (this.#desired !== null && doc.version <= this.#desired.version) return;
      this.#desired = doc;
      this.#deps.config(doc);
      await this.#applyConfig(doc, [...this.#configHandlers]);
      return;
    }
    let cmd: Command;
    try {
      cmd = parseCommand(payload);
    } catch (err) {
      this.#deps.error(
        new EdgeError('sdk.command', `bad command on "${name}": ${(err as Error).message}`, { cause: err }),
      );
      return;
    }
    if (this.#recent.includes(cmd.id)) return; // QoS1 redelivery of a command already handled
    this.#recent.push(cmd.id);
    if (this.#recent.length > RECENT_IDS) this.#recent.shift();
    const handler = this.#handlers.get(cmd.name) ?? this.#handlers.get(name);
    if (handler === undefined) {
      this.#deps.reply({ id: cmd.id, ok: false, error: `unknown command "${cmd.name}"` });
      return;
    }
    try {
      const data: unknown = await handler(cmd.data, cmd);
      this.#deps.reply(data === undefined ? { id: cmd.id, ok: true } : { id: cmd.id, ok: true, data });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#deps.reply({ id: cmd.id, ok: false, error: message });
      this.#deps.error(
        new EdgeError('sdk.handler', `command "${cmd.name}" handler failed: ${message}`, { cause: err }),
      );
    }
  }

  async #applyConfig(doc: ConfigDocument, handlers: ConfigHandler[]): Promise<void> {
    if (handlers.length === 0) return;
    try {
      for (const h of handlers) await h(doc.config, doc);
    } catch (err) {
      this.#deps.error(
        new EdgeError(
          'sdk.handler',
          `configuration v${doc.version} handler failed: ${(err as Error).message}`,
          { cause: err },
        ),
      );
      return;
    }
    if (doc.version > this.#applied) {
      this.#applied = doc.version;
      this.#deps.report(doc);
    }
  }
}
