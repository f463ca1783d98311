import type { ServiceMap, ServiceMapEdge } from '../../lib/types.ts';

/**
 * Where each service sits, as [column, row]: the checkout path read left to right — the gateway takes
 * every request, then the services it calls, then inventory and payments (which orders commands over
 * the bus, placed level with orders so those edges stay short), then recommendations, which only
 * listens. Fixed places: an operator learns the picture once, and it never reshuffles between polls.
 */
const PLACES: Record<string, [number, number]> = {
  gateway: [0, 1.5],
  identity: [1, 0],
  catalog: [1, 1],
  cart: [1, 2],
  orders: [1, 3],
  inventory: [2, 2.4],
  payments: [2, 3.6],
  recommendations: [3, 1.5],
};
const KNOWN_COLUMNS = 4;

export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 50;
const COLUMN_PITCH = 290;
const ROW_PITCH = 120;
const PADDING = 24;

export interface PlacedNode {
  name: string;
  x: number;
  y: number;
  column: number;
}

export interface PlacedEdge extends ServiceMapEdge {
  /** An SVG path from the caller's box to the callee's. */
  path: string;
  /** Calls per second, and the error rate when some failed. */
  label: string;
  labelX: number;
  labelY: number;
}

export interface MapLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** A service not in PLACES goes one column right of its rightmost caller, or after the others when nothing calls it. */
function columnsOf(names: string[], edges: ServiceMapEdge[]): Map<string, number> {
  const column = new Map<string, number>();
  for (const name of names) {
    const place = PLACES[name];
    if (place) column.set(name, place[0]);
  }
  const unknown = names.filter((n) => !column.has(n)).sort();
  for (let pass = 0; pass < unknown.length; pass++) {
    for (const name of unknown) {
      if (column.has(name)) continue;
      const callers = edges.filter((e) => e.to === name && column.has(e.from)).map((e) => column.get(e.from) ?? 0);
      if (callers.length > 0) column.set(name, Math.min(KNOWN_COLUMNS, Math.max(...callers) + 1));
    }
  }
  for (const name of unknown) if (!column.has(name)) column.set(name, KNOWN_COLUMNS);
  return column;
}

/** The point where the line from a box's centre towards (tx, ty) leaves the box. */
function boxExit(cx: number, cy: number, tx: number, ty: number): [number, number] {
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const scale = Math.min(dx === 0 ? Infinity : NODE_WIDTH / 2 / Math.abs(dx), dy === 0 ? Infinity : NODE_HEIGHT / 2 / Math.abs(dy));
  return [cx + dx * scale, cy + dy * scale];
}

const round = (n: number) => Math.round(n * 10) / 10;

type Point = [number, number];

interface Route {
  edge: ServiceMapEdge;
  path: string;
  label: string;
  /** Where the label may go, best first: along the edge, away from the ends. */
  spots: Point[];
}

const centre = (n: PlacedNode): Point => [n.x + NODE_WIDTH / 2, n.y + NODE_HEIGHT / 2];
/** Clear space kept between a line passing a column and that column's boxes. */
const GAP_MARGIN = 12;

/**
 * Where a line that skips a column crosses it: its straight course when that is clear of the column's
 * boxes, else the nearest point of the nearest gap between them (or above or below them all).
 */
function crossing(column: PlacedNode[], wanted: number): { y: number; gap: number; within: [number, number] } {
  const sorted = [...column].sort((a, b) => a.y - b.y);
  const gaps: [number, number][] = [];
  let top = -Infinity;
  for (const n of sorted) {
    gaps.push([top, n.y]);
    top = n.y + NODE_HEIGHT;
  }
  gaps.push([top, Infinity]);
  let best = { y: wanted, gap: -1, within: [wanted, wanted] as [number, number] };
  let distance = Infinity;
  for (const [i, [from, to]] of gaps.entries()) {
    if (to - from < 2 * GAP_MARGIN) continue;
    const y = Math.min(to - GAP_MARGIN, Math.max(from + GAP_MARGIN, wanted));
    if (Math.abs(y - wanted) < distance) {
      best = { y, gap: i, within: [from + GAP_MARGIN, to - GAP_MARGIN] };
      distance = Math.abs(y - wanted);
    }
  }
  return best;
}

/** Lines through one gap at least this far apart, so two calls never draw as one. */
const LINE_SPACING = 14;

/**
 * Where each edge that skips columns crosses each column it skips: its own course or the nearest gap
 * (see crossing), then the lines sharing a gap spread LINE_SPACING apart inside it.
 */
function planCrossings(
  edges: ServiceMapEdge[],
  nodes: PlacedNode[],
  at: Map<string, PlacedNode>,
): Map<ServiceMapEdge, Map<number, number>> {
  const plans = new Map<ServiceMapEdge, Map<number, number>>();
  const shared = new Map<string, { edge: ServiceMapEdge; col: number; y: number; within: [number, number] }[]>();
  for (const edge of edges) {
    const from = at.get(edge.from) as PlacedNode;
    const to = at.get(edge.to) as PlacedNode;
    if (Math.abs(to.column - from.column) < 2) continue;
    const [a, b] = [centre(from), centre(to)];
    const step = Math.sign(to.column - from.column);
    plans.set(edge, new Map());
    for (let col = from.column + step; col !== to.column; col += step) {
      const x = PADDING + col * COLUMN_PITCH + NODE_WIDTH / 2;
      const wanted = a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0]);
      const { y, gap, within } = crossing(
        nodes.filter((n) => n.column === col),
        wanted,
      );
      const key = `${col}:${gap}`;
      shared.set(key, [...(shared.get(key) ?? []), { edge, col, y, within }]);
    }
  }
  for (const group of shared.values()) {
    group.sort((p, q) => p.y - q.y);
    for (let i = 1; i < group.length; i++) {
      const [before, here] = [group[i - 1], group[i]] as [(typeof group)[number], (typeof group)[number]];
      here.y = Math.max(here.y, before.y + LINE_SPACING);
    }
    const last = group.at(-1);
    const first = group[0];
    if (last && first) {
      const over = Math.min(last.y - last.within[1], first.y - first.within[0]);
      if (over > 0) for (const p of group) p.y -= over;
    }
    for (const p of group) plans.get(p.edge)?.set(p.col, p.y);
  }
  return plans;
}

/** A smooth path through the points (Catmull-Rom as cubic Béziers): it bends at each point without overshooting much. */
function smoothPath(points: Point[]): string {
  const p = (i: number) => points[Math.max(0, Math.min(points.length - 1, i))] as Point;
  let d = `M${round(p(0)[0])},${round(p(0)[1])}`;
  for (let i = 0; i < points.length - 1; i++) {
    const [p0, p1, p2, p3] = [p(i - 1), p(i), p(i + 1), p(i + 2)];
    const c1: Point = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2: Point = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += ` C${round(c1[0])},${round(c1[1])} ${round(c2[0])},${round(c2[1])} ${round(p2[0])},${round(p2[1])}`;
  }
  return d;
}

/**
 * `1.2/s`, or `1.2/s · 3% errors`; below one call in ten seconds the count itself (`4 calls`), which
 * says more about a quiet shop than `<0.1/s` on every edge.
 */
export function edgeLabel(edge: ServiceMapEdge): string {
  const errors = formatErrorRate(edge.errorRate);
  const rate = edge.perSecond >= 0.1 ? formatRate(edge.perSecond) : `${edge.calls} ${edge.calls === 1 ? 'call' : 'calls'}`;
  return errors ? `${rate} · ${errors}` : rate;
}

/**
 * An edge between neighbouring columns (or within one) is one gentle curve; edges between the same two
 * services (either way, either transport) each get a lane 36 px apart at the middle, so none hides
 * another. An edge that skips a column runs through the gaps between that column's boxes, never
 * behind one, where it would look like a call to that service.
 */
function routeOf(
  edge: ServiceMapEdge,
  at: Map<string, PlacedNode>,
  all: ServiceMapEdge[],
  crossings: Map<number, number> | undefined,
): Route {
  const from = at.get(edge.from) as PlacedNode;
  const to = at.get(edge.to) as PlacedNode;
  const [a, b] = [centre(from), centre(to)];
  const label = edgeLabel(edge);
  const step = Math.sign(to.column - from.column);
  if (crossings) {
    const waypoints: Point[] = [];
    for (let col = from.column + step; col !== to.column; col += step) {
      const x = PADDING + col * COLUMN_PITCH + NODE_WIDTH / 2;
      const y = crossings.get(col) ?? a[1];
      // Level through the column's width, so the line clears the corners of the boxes it passes.
      const half = (NODE_WIDTH / 2 + 6) * step;
      waypoints.push([x - half, y], [x + half, y]);
    }
    const start = boxExit(a[0], a[1], ...(waypoints[0] as Point));
    const end = boxExit(b[0], b[1], ...(waypoints.at(-1) as Point));
    // The label goes best on the last stretch, into the callee (the channels between boxes are busy), else on a channel.
    const last = waypoints.at(-1) as Point;
    const spots: Point[] = [[(last[0] + end[0]) / 2, (last[1] + end[1]) / 2]];
    for (let i = 0; i < waypoints.length; i += 2) {
      const [[x1, y], [x2]] = [waypoints[i] as Point, waypoints[i + 1] as Point];
      for (const f of [0.5, 0.25, 0.75]) spots.push([x1 + (x2 - x1) * f, y]);
    }
    return { edge, label, path: smoothPath([start, ...waypoints, end]), spots };
  }
  const pairOf = (e: ServiceMapEdge) => [e.from, e.to].sort().join('\u0000');
  const group = all.filter((e) => pairOf(e) === pairOf(edge) && e.from !== e.to);
  const sorted = [...group].sort((x, y) => x.via.localeCompare(y.via) || x.from.localeCompare(y.from));
  let lane = group.length === 1 ? 8 : (sorted.indexOf(edge) - (group.length - 1) / 2) * 36;
  // Two boxes of one column that are not neighbours: the edge swings out to the right of the column.
  if (from.column === to.column && Math.abs(from.y - to.y) > ROW_PITCH * 1.5) lane += NODE_WIDTH / 2 + 24;
  // The lane is measured in the pair's own frame (from the name first in order to the other), so A→B and B→A part.
  const [first, second] = edge.from < edge.to ? [a, b] : [b, a];
  const fx = second[0] - first[0];
  const fy = second[1] - first[1];
  const length = Math.hypot(fx, fy);
  // A quadratic curve's middle lies half way to its control point: twice the lane puts the middle on the lane.
  const cx = (a[0] + b[0]) / 2 + (-fy / length) * 2 * lane;
  const cy = (a[1] + b[1]) / 2 + (fx / length) * 2 * lane;
  const [sx, sy] = boxExit(a[0], a[1], cx, cy);
  const [ex, ey] = boxExit(b[0], b[1], cx, cy);
  const point = (t: number): Point => [
    (1 - t) ** 2 * sx + 2 * (1 - t) * t * cx + t ** 2 * ex,
    (1 - t) ** 2 * sy + 2 * (1 - t) * t * cy + t ** 2 * ey,
  ];
  return {
    edge,
    label,
    path: `M${round(sx)},${round(sy)} Q${round(cx)},${round(cy)} ${round(ex)},${round(ey)}`,
    spots: [0.5, 0.4, 0.6, 0.3, 0.7].map(point),
  };
}

/** About how wide a label is at the map's 13 px type (the check is for overlap, so a little generous). */
const labelBox = (text: string, [x, y]: Point) => ({
  left: x - text.length * 3.8 - 3,
  right: x + text.length * 3.8 + 3,
  top: y - 9,
  bottom: y + 9,
});

/** Each label at its edge's first spot that overlaps no box and no label placed before it (else its best spot). */
function placeLabels(routes: Route[], nodes: PlacedNode[]): PlacedEdge[] {
  const taken = nodes.map((n) => ({ left: n.x, right: n.x + NODE_WIDTH, top: n.y, bottom: n.y + NODE_HEIGHT }));
  const overlaps = (box: ReturnType<typeof labelBox>) =>
    taken.some((t) => box.left < t.right && box.right > t.left && box.top < t.bottom && box.bottom > t.top);
  return routes.map(({ edge, path, label, spots }) => {
    const spot = spots.find((s) => !overlaps(labelBox(label, s))) ?? (spots[0] as Point);
    taken.push(labelBox(label, spot));
    return { ...edge, path, label, labelX: round(spot[0]), labelY: round(spot[1]) };
  });
}

/** Places every service (the map's nodes and any service an edge names) and draws each edge between them. */
export function layOutServiceMap(map: ServiceMap): MapLayout {
  const names = [...new Set([...map.nodes.map((n) => n.name), ...map.edges.flatMap((e) => [e.from, e.to])])];
  if (names.length === 0) return { width: PADDING * 2 + NODE_WIDTH, height: PADDING * 2 + NODE_HEIGHT, nodes: [], edges: [] };
  const column = columnsOf(names, map.edges);
  // Known services in their places; any other below the last one in its column, by name.
  const rowOf = new Map<string, number>();
  for (const name of names) {
    const place = PLACES[name];
    if (place && place[0] === column.get(name)) rowOf.set(name, place[1]);
  }
  for (const name of names.filter((n) => !rowOf.has(n)).sort()) {
    const below = names.filter((n) => column.get(n) === column.get(name) && rowOf.has(n)).map((n) => rowOf.get(n) ?? 0);
    rowOf.set(name, below.length === 0 ? 0 : Math.max(...below) + 1);
  }
  // Empty columns are dropped, so a map without recommendations is not wider for it.
  const columns = [...new Set(column.values())].sort((a, b) => a - b);
  const rows = [...rowOf.values()];
  const top = Math.min(...rows);
  const nodes: PlacedNode[] = names
    .map((name) => {
      const col = columns.indexOf(column.get(name) ?? 0);
      return { name, column: col, x: PADDING + col * COLUMN_PITCH, y: round(PADDING + ((rowOf.get(name) ?? 0) - top) * ROW_PITCH) };
    })
    .sort((a, b) => a.column - b.column || a.y - b.y || a.name.localeCompare(b.name));
  const height = PADDING * 2 + (Math.max(...rows) - top) * ROW_PITCH + NODE_HEIGHT;
  const at = new Map(nodes.map((n) => [n.name, n]));
  const drawn = map.edges
    .filter((e) => e.from !== e.to && at.has(e.from) && at.has(e.to))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.via.localeCompare(b.via));
  const crossings = planCrossings(drawn, nodes, at);
  const routes = drawn.map((edge) => routeOf(edge, at, map.edges, crossings.get(edge)));
  const edges = placeLabels(routes, nodes);
  const width = PADDING * 2 + (columns.length - 1) * COLUMN_PITCH + NODE_WIDTH;
  return { width, height, nodes, edges };
}

/** `12.3/s`, `0.4/s`, `<0.1/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond > 0 && perSecond < 0.1) return '<0.1/s';
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;
}

/** `2.5% errors`, or nothing when none failed. */
export function formatErrorRate(errorRate: number): string {
  if (errorRate <= 0) return '';
  const percent = errorRate * 100;
  return `${percent < 1 ? percent.toFixed(1) : percent.toFixed(0)}% errors`;
}
