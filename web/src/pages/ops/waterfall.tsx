import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { Span } from '../../lib/types.ts';
import { serviceColour } from './ops-words.ts';
import { axisTicks, formatMs, layOutTrace, type WaterfallRow } from './trace-tree.ts';

/** Deeper spans stop indenting here, so a long chain keeps its names readable. */
const MAX_INDENT = 12;

export function ErrorMark() {
  return (
    <span class="error-mark">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
        <path d="M8 1 15 14H1z" fill="currentColor" />
        <path d="M8 6v4M8 11.5v1" stroke="#fff" stroke-width="1.6" stroke-linecap="round" />
      </svg>
      Error
    </span>
  );
}

function SpanDetails({ row, id }: { row: WaterfallRow; id: string }) {
  const { span } = row;
  const attributes = Object.entries(span.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div id={id} class="span-details">
      <dl class="span-facts">
        <div class="span-fact-wide">
          <dt>Name</dt>
          <dd>{span.name}</dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>{span.service}</dd>
        </div>
        <div>
          <dt>Instance</dt>
          <dd>{span.instance}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{span.kind}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{span.status === 'error' ? <ErrorMark /> : 'OK'}</dd>
        </div>
        <div>
          <dt>Starts</dt>
          <dd>+{formatMs(row.offsetMs)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(span.durationMs)}</dd>
        </div>
        <div>
          <dt>Span id</dt>
          <dd class="mono">{span.spanId}</dd>
        </div>
        <div>
          <dt>Parent</dt>
          <dd class="mono">{span.parentSpanId ?? '—'}</dd>
        </div>
      </dl>
      <h3 class="span-attributes-heading">Attributes</h3>
      {attributes.length === 0 ? (
        <p class="muted">No attributes.</p>
      ) : (
        <dl class="span-attributes">
          {attributes.map(([key, value]) => (
            <div key={key}>
              <dt class="mono">{key}</dt>
              <dd class="mono">{String(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

/** A name with a line-break opportunity after each `.`, `/` and `:`, so `payments.payment.captured.v1` wraps between its words. */
function breakable(name: string) {
  return name.split(/(?<=[./:])/).map((part, i) => (
    <Fragment key={i}>
      {part}
      <wbr />
    </Fragment>
  ));
}

/** Up, Down, Home and End move between the rows' buttons, as in a tree view. */
function moveFocus(event: KeyboardEvent): void {
  const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
  if (!keys.includes(event.key)) return;
  const target = event.target as HTMLElement;
  if (!target.classList.contains('span-toggle')) return;
  const list = target.closest('ol');
  const buttons = [...(list?.querySelectorAll<HTMLButtonElement>('.span-toggle') ?? [])];
  const at = buttons.indexOf(target as HTMLButtonElement);
  const next =
    event.key === 'Home'
      ? 0
      : event.key === 'End'
        ? buttons.length - 1
        : Math.min(buttons.length - 1, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)));
  event.preventDefault();
  buttons[next]?.focus();
}

/**
 * A trace as a waterfall: one row per span, indented under its parent, its bar placed and sized on
 * the time axis the whole trace shares. A row's button opens the span's attributes.
 */
export function Waterfall({ spans }: { spans: Span[] }) {
  const layout = layOutTrace(spans);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const percent = (ms: number) => `${Math.min(100, (ms / layout.totalMs) * 100)}%`;
  const toggle = (spanId: string) => {
    const next = new Set(open);
    if (next.has(spanId)) next.delete(spanId);
    else next.add(spanId);
    setOpen(next);
  };
  return (
    <div class="waterfall">
      <div class="waterfall-axis" aria-hidden="true">
        <span class="waterfall-axis-label">Span</span>
        <div class="waterfall-scale">
          {axisTicks(layout.totalMs).map((at) => (
            <span key={at} class="waterfall-tick" style={{ left: percent(at) }}>
              {at === 0 ? '0' : formatMs(at)}
            </span>
          ))}
        </div>
        <span class="waterfall-axis-label waterfall-duration">Duration</span>
      </div>
      {/* The keys move focus between the rows' buttons, which stay the controls. */}
      <ol class="waterfall-rows" onKeyDown={moveFocus}>
        {layout.rows.map((row) => {
          const { span } = row;
          const expanded = open.has(span.spanId);
          const detailsId = `span-${span.spanId}`;
          const failed = span.status === 'error';
          const colour = serviceColour(span.service);
          return (
            <li key={span.spanId} class={`span-row${failed ? ' span-row-error' : ''}${expanded ? ' span-row-open' : ''}`}>
              <div class="span-line">
                <button
                  type="button"
                  class="span-toggle"
                  aria-expanded={expanded}
                  aria-controls={detailsId}
                  style={{ '--depth': Math.min(row.depth, MAX_INDENT) }}
                  onClick={() => toggle(span.spanId)}
                >
                  <span class="span-caret" aria-hidden="true">
                    {expanded ? '▾' : '▸'}
                  </span>
                  {failed && <ErrorMark />}
                  <span class="span-service" style={{ color: colour, borderColor: colour }}>
                    {span.service}
                  </span>
                  <span class="span-name">{breakable(span.name)}</span>
                  <span class="visually-hidden">
                    , starts at +{formatMs(row.offsetMs)}, level {row.depth + 1}
                  </span>
                </button>
                <div class="span-track" aria-hidden="true">
                  <div
                    class={`span-bar${failed ? ' span-bar-error' : ''}`}
                    style={{ left: percent(row.offsetMs), width: percent(span.durationMs), backgroundColor: colour }}
                  />
                </div>
                <span class="span-duration">{formatMs(span.durationMs)}</span>
              </div>
              {expanded && <SpanDetails row={row} id={detailsId} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
