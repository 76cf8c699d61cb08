/** The latency-against-load chart of a sweep, drawn by Vega-Lite as SVG. */

export interface ChartPoint {
  /** Orders/s offered (open loop), or reached (the closed-loop maximum). */
  offeredPerSec: number;
  p50: number;
  p95: number;
  p99: number;
}

/** The capacity at the objective, drawn as a vertical rule, and the objective as a horizontal one. */
export interface ChartMarks {
  capacityPerSec: number;
  objectiveMs: number;
}

export async function latencyChart(points: ChartPoint[], title: string, marks?: ChartMarks): Promise<string> {
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
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'offered', type: 'quantitative', title: 'offered load (orders/s)' },
          y: { field: 'latency', type: 'quantitative', title: 'POST → terminal (ms)', scale: { type: 'log' } },
          color: { field: 'percentile', type: 'nominal', title: 'percentile' },
        },
      },
      ...(marks
        ? [
            {
              data: { values: [{ offered: marks.capacityPerSec, label: `capacity at p99 ≤ ${marks.objectiveMs} ms: ${marks.capacityPerSec.toLocaleString('en-US')}/s` }] },
              layer: [
                { mark: { type: 'rule' as const, strokeDash: [6, 4], color: 'black' }, encoding: { x: { field: 'offered', type: 'quantitative' as const } } },
                {
                  mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -130, color: 'black' },
                  encoding: { x: { field: 'offered', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
                },
              ],
            },
            {
              data: { values: [{ latency: marks.objectiveMs }] },
              mark: { type: 'rule' as const, strokeDash: [2, 3], color: 'gray' },
              encoding: { y: { field: 'latency', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  return view.toSVG();
}
