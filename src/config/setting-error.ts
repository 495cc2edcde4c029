import type { GivenSettings } from './settings';

/** A setting refused: which, its value, what it wants, and why if the value alone does not say. Each front end words it its own way. */
export class SettingError extends Error {
  constructor(
    readonly setting: keyof GivenSettings,
    readonly value: unknown,
    readonly want: string,
    readonly why?: string,
  ) {
    super(`${setting} must be ${want}, not ${String(value)}${why === undefined ? '' : ` (${why})`}`);
  }
}
