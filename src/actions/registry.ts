/**
 * The action registry: the engine and the CLI find actions by name here, and every params
 * object is validated against the action's JSON Schema before the action sees it. Each schema
 * is compiled once, when the action is registered.
 */
import type { Action, RevertMode } from './types.ts';
import { createParamsCompiler, type ParamsCompiler, type ParamsValidator } from './validate.ts';
import { actionError } from './errors.ts';

/** What the catalogue shows about an action (`firebreak action --list`, docs, API). */
export interface ActionDescriptor {
  name: string;
  description: string;
  mutating: boolean;
  /** True when the action can undo what it did (it has `revert`). */
  reversible: boolean;
  defaultRevert: RevertMode;
  paramsSchema: Record<string, unknown>;
}

/** Action names are dotted lower camel case segments: `kafka.setClientQuota`, `notify`. */
const NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;

export class ActionRegistry {
  readonly #actions = new Map<string, { action: Action; validate: ParamsValidator }>();
  readonly #compiler: ParamsCompiler = createParamsCompiler();

  /**
   * Adds an action. Throws `ACTION_DEFINITION_INVALID` for a malformed name, a schema ajv
   * rejects, an open object schema, or a mutating action without `revert` that claims a revert
   * mode; `ACTION_DUPLICATE` when the name is taken.
   */
  register(action: Action): this {
    if (!NAME.test(action.name)) {
      throw actionError('ACTION_DEFINITION_INVALID', `action name "${action.name}" must look like "domain.verbNoun"`, {
        details: { action: action.name },
      });
    }
    if (this.#actions.has(action.name)) {
      throw actionError('ACTION_DUPLICATE', `action ${action.name} is already registered`, { details: { action: action.name } });
    }
    if (action.defaultRevert !== 'never' && action.revert === undefined) {
      throw actionError('ACTION_DEFINITION_INVALID', `action ${action.name} has defaultRevert "${action.defaultRevert}" but no revert`, {
        details: { action: action.name },
      });
    }
    const validate = this.#compiler.compile(action.name, action.paramsSchema);
    this.#actions.set(action.name, { action, validate });
    return this;
  }

  has(name: string): boolean {
    return this.#actions.has(name);
  }

  /** The action called `name`; `ACTION_UNKNOWN` (404) when there is none. */
  get(name: string): Action {
    return this.#entry(name).action;
  }

  /** Every registered action, sorted by name. */
  list(): ActionDescriptor[] {
    return [...this.#actions.values()]
      .map(({ action }) => ({
        name: action.name,
        description: action.description,
        mutating: action.mutating,
        reversible: action.revert !== undefined,
        defaultRevert: action.defaultRevert,
        paramsSchema: action.paramsSchema,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Validates `params` for the named action and returns a copy with schema defaults applied
   * (the caller's object is not modified). Throws `ACTION_UNKNOWN` or `ACTION_PARAMS_INVALID`
   * (400, `details.errors` lists `{ path, message }` per offending JSON pointer).
   */
  validateParams(name: string, params: unknown): unknown {
    return this.#entry(name).validate(params);
  }

  #entry(name: string): { action: Action; validate: ParamsValidator } {
    const entry = this.#actions.get(name);
    if (entry === undefined) {
      const known = [...this.#actions.keys()].sort();
      throw actionError('ACTION_UNKNOWN', `unknown action "${name}"`, {
        details: { action: name, known },
      });
    }
    return entry;
  }
}
