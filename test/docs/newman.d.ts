/** The part of newman's library API the tests use (the package ships no types). */
declare module 'newman' {
  export interface NewmanRunFailure {
    error: { name: string; message: string; test?: string };
    source?: { name?: string };
  }
  export interface NewmanRunExecution {
    item: { name: string };
    request: { method: string; url: { toString(): string } };
    response?: { code: number; text(): string };
    assertions?: { assertion: string; error?: { message: string } }[];
  }
  export interface NewmanRunSummary {
    run: {
      stats: Record<'requests' | 'assertions' | 'testScripts' | 'prerequestScripts', { total: number; failed: number }>;
      failures: NewmanRunFailure[];
      executions: NewmanRunExecution[];
    };
  }
  export interface NewmanRunOptions {
    collection: unknown;
    environment?: unknown;
    envVar?: { key: string; value: string }[];
    reporters?: string | string[];
    timeoutRequest?: number;
    folder?: string | string[];
  }
  export function run(
    options: NewmanRunOptions,
    callback: (error: Error | null, summary: NewmanRunSummary) => void,
  ): unknown;
  const newman: { run: typeof run };
  export default newman;
}
