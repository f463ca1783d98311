import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { ApiError, describeError } from '../../lib/problem.ts';
import type { ServiceMap } from '../../lib/types.ts';
import { formatRate, layOutServiceMap, NODE_HEIGHT, NODE_WIDTH } from './map-layout.ts';

/** The map is made from the traces of the last few minutes: asking every 10 s is fresh enough. */
const MAP_POLL_MS = 10_000;

const HTTP_COLOUR = '#1f3a5f';
const BUS_COLOUR = '#6b4fa0';
const ERROR_COLOUR = '#a32020';

function edgeColour(edge: { via: 'http' | 'bus'; errorRate: number }): string {
  if (edge.errorRate > 0) return ERROR_COLOUR;
  return edge.via === 'http' ? HTTP_COLOUR : BUS_COLOUR;
}

/** Thicker for busier edges, on a log scale: 0.1/s and 100/s both stay visible. */
function edgeWidth(perSecond: number): number {
  return 1.5 + Math.min(3.5, Math.log10(1 + perSecond * 10));
}

function Legend() {
  const line = (colour: string, dashed: boolean) => (
    <svg viewBox="0 0 40 10" width="40" height="10" aria-hidden="true" focusable="false">
      <line x1="0" y1="5" x2="40" y2="5" stroke={colour} stroke-width="2.5" stroke-dasharray={dashed ? '6 4' : undefined} />
    </svg>
  );
  return (
    <ul class="map-legend" aria-label="Legend">
      <li>{line(HTTP_COLOUR, false)} HTTP call (solid)</li>
      <li>{line(BUS_COLOUR, true)} Event or command over the bus (dashed)</li>
      <li>{line(ERROR_COLOUR, false)} Some calls failed: the label gives the error rate</li>
      <li>
        Labels: calls per second (the number of calls when fewer than one in ten seconds), and the error rate when some failed; thicker
        lines carry more.
      </li>
    </ul>
  );
}

function MapPicture({ map, down }: { map: ServiceMap; down: Set<string> }) {
  const layout = layOutServiceMap(map);
  const markers = [
    ['http', HTTP_COLOUR],
    ['bus', BUS_COLOUR],
    ['error', ERROR_COLOUR],
  ] as const;
  return (
    // Focusable: on a narrow screen the picture scrolls sideways, and a keyboard user must be able to scroll it too.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region is reached by keyboard this way (WCAG 2.1.1)
    <div class="map-canvas" tabIndex={0} role="group" aria-label="Service map picture">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        role="img"
        aria-label={`Service map: ${layout.nodes.length} services and ${layout.edges.length} connections; “Every connection as a table” below lists them.`}
      >
        <defs>
          {markers.map(([name, colour]) => (
            <marker
              key={name}
              id={`arrow-${name}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerUnits="userSpaceOnUse"
              markerWidth="11"
              markerHeight="11"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" fill={colour} />
            </marker>
          ))}
        </defs>
        {layout.edges.map((edge) => (
          <path
            key={`${edge.from}-${edge.to}-${edge.via}`}
            d={edge.path}
            fill="none"
            stroke={edgeColour(edge)}
            stroke-width={edgeWidth(edge.perSecond)}
            stroke-dasharray={edge.via === 'bus' ? '7 5' : undefined}
            marker-end={`url(#arrow-${edge.errorRate > 0 ? 'error' : edge.via})`}
          />
        ))}
        {layout.nodes.map((node) => (
          <g key={node.name} class={`map-node${down.has(node.name) ? ' map-node-down' : ''}`}>
            <rect x={node.x} y={node.y} width={NODE_WIDTH} height={NODE_HEIGHT} rx="10" />
            <text x={node.x + NODE_WIDTH / 2} y={node.y + (down.has(node.name) ? 22 : 31)} text-anchor="middle" class="map-node-name">
              {node.name}
            </text>
            {down.has(node.name) && (
              <text x={node.x + NODE_WIDTH / 2} y={node.y + 40} text-anchor="middle" class="map-node-status">
                no healthy instance
              </text>
            )}
          </g>
        ))}
        {layout.edges.map((edge) => (
          <text
            key={`${edge.from}-${edge.to}-${edge.via}-label`}
            x={edge.labelX}
            y={edge.labelY + 4}
            text-anchor="middle"
            class={`map-edge-label${edge.errorRate > 0 ? ' map-edge-label-error' : ''}`}
          >
            {edge.label}
          </text>
        ))}
      </svg>
    </div>
  );
}

function EdgeTable({ map }: { map: ServiceMap }) {
  const edges = [...map.edges].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.via.localeCompare(b.via));
  return (
    <table class="table map-table">
      <caption class="visually-hidden">Connections between services</caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Over</th>
          <th scope="col">Calls</th>
          <th scope="col">Per second</th>
          <th scope="col">Errors</th>
          <th scope="col">Error rate</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => (
          <tr key={`${e.from}-${e.to}-${e.via}`} class={e.errors > 0 ? 'row-error' : undefined}>
            <td>{e.from}</td>
            <td>{e.to}</td>
            <td>{e.via === 'http' ? 'HTTP' : 'bus'}</td>
            <td class="numeric">{e.calls}</td>
            <td class="numeric">{formatRate(e.perSecond)}</td>
            <td class="numeric">{e.errors}</td>
            <td class="numeric">{`${(e.errorRate * 100).toFixed(1)}%`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Who calls whom, from the traces of the last minutes: an SVG picture with a legend, and the same in a table. */
export function ServiceMapSection({ down }: { down: Set<string> }) {
  const [map, setMap] = useState<ServiceMap>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<ServiceMap>('/api/ops/service-map', { auth: true }).then(
        (m) => {
          if (stopped) return;
          setMap(m);
          setError(undefined);
        },
        (e: unknown) => !stopped && setError(e),
      );
    void load();
    const timer = setInterval(load, MAP_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const span =
    map &&
    `From the traces between ${new Date(map.since).toLocaleTimeString()} and ${new Date(map.until).toLocaleTimeString()}, refreshed every ${MAP_POLL_MS / 1000} seconds.`;
  return (
    <section aria-labelledby="service-map-heading">
      <h2 id="service-map-heading">Service map</h2>
      {error !== undefined && !map && (
        <p class={error instanceof ApiError && error.status === 404 ? 'muted' : 'notice notice-error'}>
          {error instanceof ApiError && error.status === 404
            ? 'This platform does not report its service map yet.'
            : `The service map could not be loaded: ${describeError(error)}`}
        </p>
      )}
      {!map && error === undefined && <p class="muted">Loading the service map…</p>}
      {map && (
        <>
          <p class="muted">{span}</p>
          {map.edges.length === 0 && <p>No calls between services were traced in that time.</p>}
          <MapPicture map={map} down={down} />
          <Legend />
          {map.edges.length > 0 && (
            <details class="map-details">
              <summary>Every connection as a table</summary>
              <EdgeTable map={map} />
            </details>
          )}
        </>
      )}
    </section>
  );
}
