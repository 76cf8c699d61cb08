/** Kubernetes resource quantities as numbers: CPU in millicores, memory in mebibytes. */

/** Millicores of a CPU quantity such as 250m, 1 or 0.5. */
export function parseCpuMilli(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  return match[2] ? Number(match[1]) : Number(match[1]) * 1000;
}

/** Mebibytes of a memory quantity such as 1Gi, 768Mi or 500M (no unit: bytes). */
export function parseQuantityMi(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const bytesPerUnit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;
  const unit = match[2] as keyof typeof bytesPerUnit | undefined;
  return (Number(match[1]) * (unit ? bytesPerUnit[unit] : 1)) / 1024 ** 2;
}
