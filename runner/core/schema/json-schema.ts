import { z } from "zod";
import { ChallengeSchema } from "./challenge.ts";
import { SubmissionSchema } from "./submission.ts";

/** JSON Schemas generated from the zod schemas, for editors validating YAML as people type. */
export function jsonSchemas(): Record<string, string> {
  const render = (schema: z.ZodType, id: string, title: string) =>
    JSON.stringify(
      {
        ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
        $id: `https://velodrome.dev/schema/${id}`,
        title,
      },
      null,
      2,
    ) + "\n";
  return {
    "challenge.schema.json": render(ChallengeSchema, "challenge.schema.json", "Velodrome challenge.yaml"),
    "submission.schema.json": render(SubmissionSchema, "submission.schema.json", "Velodrome submission.yaml"),
  };
}
