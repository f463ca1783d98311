import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A colour per series, distinguishable and readable on white. */
const PALETTE = ['#1f5fa8', '#b4451f', '#2f7d32', '#7b3fa0', '#9a6a00', '#00798c', '#a2315b', '#4a4a4a', '#5b6abf'];

export interface Series {
  name: string;
  values: (number | null)[];
}

/** A small time-series chart: `times` in seconds since the epoch, one line per series. */
export function TimeChart({ title, times, series, unit }: { title: string; times: number[]; series: Series[]; unit: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const names = series.map((s) => s.name).join(',');

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    // The chart fits its box; the box never takes its width from the chart (a ResizeObserver loop otherwise).
    const widthOf = () => Math.max(280, element.clientWidth - 24);
    const options: uPlot.Options = {
      title,
      width: widthOf(),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...series.map((s, i) => ({ label: s.name, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true }))],
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: widthOf(), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [names, title, unit]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return <div ref={host} class="chart" role="img" aria-label={`${title}, chart over the last minutes`} />;
}
