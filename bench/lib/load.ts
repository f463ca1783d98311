import autocannon from 'autocannon';

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** Closed-loop HTTP load with autocannon: `connections` clients, each sending its next request on the answer. */
export async function load(
  url: string,
  options: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadFigures> {
  const result = await autocannon({ url, duration: options.seconds, connections: options.connections, headers: options.headers });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    // autocannon's `errors` already counts timeouts.
    errors: result.errors + result.non2xx,
  };
}
