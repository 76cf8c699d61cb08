/** The latency-against-load chart of a sweep, drawn by Vega-Lite as SVG. */

export interface ChartPoint {
  /** Orders/s offered (open loop), or reached (the closed-loop maximum). */
  offeredPerSec: number;
  p50: number;
  p95: number;
  p99: number;
}

export async function latencyChart(points: ChartPoint[], title: string): Promise<string> {
  // Vega and Vega-Lite are ES modules with top-level await: loaded with import().
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const values = points.flatMap((p) =>
    (['p50', 'p95', 'p99'] as const).map((percentile) => ({ offered: p.offeredPerSec, latency: p[percentile], percentile })),
  );
  const spec = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'offered', type: 'quantitative', title: 'offered load (orders/s)' },
      y: { field: 'latency', type: 'quantitative', title: 'POST → terminal (ms)', scale: { type: 'log' } },
      color: { field: 'percentile', type: 'nominal', title: 'percentile' },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  return view.toSVG();
}
