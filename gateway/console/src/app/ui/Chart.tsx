/**
 * A time-series line chart over uPlot (small, fast canvas charts). uPlot sizes its elements through the CSSOM
 * (element.style), which the console's CSP allows; its stylesheet is imported here so Vite emits it as a file
 * of the chart's lazily loaded chunk. The canvas is summarised in an aria-label, since a screen reader cannot
 * read it.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** One value per entry of `times`; null where there is no value (a gap). */
  values: readonly (number | null)[];
  /** A CSS colour; defaults to the palette by position. */
  color?: string;
  /** Draw a dot at every value (sparse series, where a lone value would have no line to show it). */
  points?: boolean;
}

export interface ChartProps {
  title: string;
  /** Unix seconds of each point, ascending. */
  times: readonly number[];
  series: readonly ChartSeries[];
  /** Unit shown on the y axis and in the summary ('calls', 'ms'). */
  unit: string;
  height?: number;
}

/** Colour-blind-safe, ≥ 3:1 against white (Okabe–Ito, darkened). */
export const PALETTE = ['#0b6bcb', '#c2410c', '#047857', '#7e22ce', '#b45309', '#be123c'];

function summary({ title, times, series, unit }: ChartProps): string {
  if (times.length === 0) return `${title}: no data`;
  const parts = series.map((s) => {
    const values = s.values.filter((v): v is number => v !== null);
    const last = values.at(-1);
    const max = values.length ? Math.max(...values) : undefined;
    return `${s.label} latest ${format(last)} ${unit}, highest ${format(max)} ${unit}`;
  });
  return `${title}, ${times.length} points: ${parts.join('; ')}`;
}

const format = (v: number | undefined) => (v === undefined ? 'none' : Number(v.toFixed(2)).toLocaleString());

export function Chart(props: ChartProps) {
  const { times, series, unit, height = 180 } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('\u0000');

  // Build the chart when the set of series changes; data changes go through setData below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the series' labels (shape) change
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: '#3d4451' }, { stroke: '#3d4451', label: unit, size: 60 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: false,
          ...(s.points ? { points: { show: true, size: 5 } } : {}),
        })),
      ],
    };
    const chart = new uPlot(
      options,
      [[...times], ...series.map((s) => [...s.values])] as uPlot.AlignedData,
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape, height, unit]);

  useEffect(() => {
    plot.current?.setData([[...times], ...series.map((s) => [...s.values])] as uPlot.AlignedData);
  }, [times, series]);

  return (
    <figure className="chart">
      <figcaption className="chart-title">{props.title}</figcaption>
      <div ref={box} role="img" aria-label={summary(props)} />
    </figure>
  );
}
