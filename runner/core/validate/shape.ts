import type { z } from "zod";

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  discriminator?: string;
  element?: z.ZodType;
  valueType?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    const next = d.innerType ?? (d.type === "pipe" ? d.in : undefined);
    if (!next) return s;
    s = next;
  }
  return s;
}

/**
 * The object keys a schema accepts at `path` (following the data through discriminated unions),
 * used for "did you mean" hints. zod offers no public walker for this.
 */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[], data: unknown): string[] {
  let s = unwrap(schema);
  let d: unknown = data;
  const step = () => {
    const def = defOf(s);
    if (def.type === "union" && def.discriminator && def.options) {
      const tag = d && typeof d === "object" ? (d as Record<string, unknown>)[def.discriminator] : undefined;
      const hit = def.options.find((o) => {
        const sh = defOf(unwrap(o)).shape?.[def.discriminator!];
        const lit = sh
          ? (sh as unknown as { _zod: { def: { values?: unknown[] } } })._zod.def.values
          : undefined;
        return lit?.includes(tag);
      });
      if (hit) s = unwrap(hit);
    }
  };
  step();
  for (const seg of path) {
    const def = defOf(s);
    if (def.shape && typeof seg === "string" && def.shape[seg]) s = unwrap(def.shape[seg]);
    else if (def.element && typeof seg === "number") s = unwrap(def.element);
    else if (def.valueType) s = unwrap(def.valueType);
    else return [];
    d = d && typeof d === "object" ? (d as Record<PropertyKey, unknown>)[seg as string] : undefined;
    step();
  }
  const shape = defOf(s).shape;
  return shape ? Object.keys(shape) : [];
}
