// Fargate's valid task sizes (vCPU and memory combinations), so the config can reject a size AWS would refuse.

/** Largest task memory Fargate offers, in MiB (120 GiB); bigger fleets run on an EC2 capacity provider. */
export const FARGATE_MAX_MEMORY_MIB = 122_880;

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let m = from; m <= to; m += step) out.push(m);
  return out;
}

/**
 * Valid task memory sizes (MiB) per Fargate vCPU count, as documented for Linux tasks on platform 1.4.
 * Keys are vCPU counts; values list every accepted memory size in ascending order.
 */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, steps(1024, 4096, 1024)],
  [1, steps(2048, 8192, 1024)],
  [2, steps(4096, 16_384, 1024)],
  [4, steps(8192, 30_720, 1024)],
  [8, steps(16_384, 61_440, 4096)],
  [16, steps(32_768, FARGATE_MAX_MEMORY_MIB, 8192)],
]);

/** The vCPU counts Fargate accepts. */
export const FARGATE_VCPUS: readonly number[] = [...FARGATE_SIZES.keys()];

/** True when Fargate accepts this vCPU / memory pair. */
export function isFargateSize(vcpu: number, memoryMiB: number): boolean {
  return FARGATE_SIZES.get(vcpu)?.includes(memoryMiB) ?? false;
}

/** The smallest Fargate size with at least `vcpu` vCPUs and `memoryMiB` memory, or undefined when none is that big. */
export function smallestFargateSize(vcpu: number, memoryMiB: number): { vcpu: number; memoryMiB: number } | undefined {
  for (const [v, sizes] of FARGATE_SIZES) {
    if (v < vcpu) continue;
    const m = sizes.find((s) => s >= memoryMiB);
    if (m !== undefined) return { vcpu: v, memoryMiB: m };
  }
  return undefined;
}

/** Human-readable list of the memory sizes accepted for a vCPU count, e.g. "2048..8192 MiB in steps of 1024". */
export function describeFargateMemory(vcpu: number): string {
  const sizes = FARGATE_SIZES.get(vcpu);
  if (!sizes) return `no sizes (vcpu must be one of ${FARGATE_VCPUS.join(", ")})`;
  if (sizes.length <= 3) return `${sizes.join(", ")} MiB`;
  return `${sizes[0]}..${sizes[sizes.length - 1]} MiB in steps of ${sizes[1]! - sizes[0]!}`;
}
