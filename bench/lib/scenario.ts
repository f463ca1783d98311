/** A benchmark scenario: `bench/scenarios/<name>.ts` exports one as `scenario`. */
export interface Scenario {
  name: string;
  description: string;
  /** Options it understands, for the usage line. */
  options?: string;
  run(args: string[], progress: (line: string) => void): Promise<ScenarioResult>;
}

export interface ScenarioResult {
  /** The table to print: one row per measured target. */
  rows: Record<string, string | number>[];
  /** Ratios and other derived figures, printed after the table. */
  summary: Record<string, string | number>;
  /** More tables, each printed under its title after the first one. */
  tables?: Table[];
}

export interface Table {
  title: string;
  rows: Record<string, string | number>[];
}
