// A partner's clients: borrowers and group members. Staff of the client's own
// partner manage them; everyone else sees them only through the consent check.
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Gender } from "~/generated/prisma/enums.ts";
import { getDb } from "~/utils/db.server.ts";
import { getEnv } from "~/utils/env.server.ts";
import { CLIENT_AREAS } from "~/lib/impact-public.ts";
import { parseAliases } from "./consent.server.ts";

export const GENDERS = ["female", "male", "other", "unspecified"] as const satisfies readonly Gender[];

/** A client's details as staff enter them. Regions must be ones the partner serves. */
export function clientSchema(regions: readonly string[]) {
  return z.object({
    fullName: z.string({ message: "Enter the client's name." }).trim().min(1, "Enter the client's name.").max(120, "Use at most 120 characters."),
    gender: z.enum(GENDERS, { message: "Choose one of the options." }),
    region: z
      .string({ message: "Choose a region." })
      .trim()
      .refine((r) => regions.includes(r), { message: `Choose one of the regions this partner serves: ${regions.join(", ")}.` }),
    village: z.string({ message: "Enter the village or town." }).trim().min(1, "Enter the village or town.").max(120, "Use at most 120 characters."),
    sector: z.string({ message: "Enter the client's line of business." }).trim().min(1, "Enter the client's line of business.").max(60, "Use at most 60 characters."),
    story: z.string().trim().max(4000, "Use at most 4,000 characters.").default(""),
    // Nicknames and other names, comma-separated: hidden in free text with the full name unless the name consent is live.
    aliases: z
      .string()
      .max(1000, "Use at most 1,000 characters.")
      .default("")
      .transform(parseAliases)
      .refine((list) => list.length <= 10, "Give at most 10 other names.")
      .refine((list) => list.every((a) => a.length <= 120), "Each name may have at most 120 characters."),
    // A form from before the field existed sends none: not recorded, rather than refused.
    area: z.enum(CLIENT_AREAS, { message: "Choose rural, urban or not recorded." }).default("unknown"),
  });
}
export type ClientInput = z.infer<ReturnType<typeof clientSchema>>;

export async function listClients(partnerId: string, options: { search?: string } = {}) {
  const db = await getDb();
  const search = options.search?.trim();
  return db.client.findMany({
    where: { partnerId, ...(search ? { fullName: { contains: search, mode: "insensitive" as const } } : {}) },
    select: { id: true, fullName: true, region: true, village: true, sector: true, gender: true, createdAt: true },
    orderBy: [{ fullName: "asc" }, { id: "asc" }],
    take: 500,
  });
}

/** A client of this partner, or null: another partner's client is never returned. */
export async function getClient(partnerId: string, clientId: string) {
  const db = await getDb();
  return db.client.findFirst({
    where: { id: clientId, partnerId },
    select: {
      id: true,
      partnerId: true,
      fullName: true,
      gender: true,
      region: true,
      village: true,
      sector: true,
      story: true,
      aliases: true,
      area: true,
      photoFile: true,
      createdAt: true,
      memberships: { where: { leftAt: null }, select: { group: { select: { id: true, name: true } } } },
      loans: { select: { id: true, reference: true, status: true, amountUsdCents: true }, orderBy: { createdAt: "desc" } },
    },
  });
}

export async function createClient(partnerId: string, input: ClientInput, createdById: string) {
  const db = await getDb();
  return db.client.create({ data: { ...input, partnerId, createdById }, select: { id: true } });
}

export async function updateClient(partnerId: string, clientId: string, input: ClientInput) {
  const db = await getDb();
  const { count } = await db.client.updateMany({ where: { id: clientId, partnerId }, data: input });
  return count === 1;
}

// --- Photos -----------------------------------------------------------------

export const PHOTO_MAX_BYTES = 3 * 1024 * 1024;

const PHOTO_TYPES: { type: string; ext: string; test: (b: Uint8Array) => boolean }[] = [
  { type: "image/jpeg", ext: "jpg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/png", ext: "png", test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v) },
  {
    type: "image/webp",
    ext: "webp",
    test: (b) => String.fromCharCode(...b.slice(0, 4)) === "RIFF" && String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  },
];

/** The image type by the file's own bytes, not by what the upload claims. */
export function sniffImage(bytes: Uint8Array) {
  return PHOTO_TYPES.find((t) => t.test(bytes)) ?? null;
}

export class PhotoError extends Error {}

export function photoDir(): string {
  return path.resolve(getEnv().UPLOADS_DIR, "photos");
}

/** Stores a new photo for the client and removes the one it replaces. */
export async function savePhoto(partnerId: string, clientId: string, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength === 0) throw new PhotoError("Choose a photo to upload.");
  if (bytes.byteLength > PHOTO_MAX_BYTES) throw new PhotoError("The photo is larger than 3 MB. Choose a smaller one.");
  const kind = sniffImage(bytes);
  if (!kind) throw new PhotoError("The file is not a JPEG, PNG or WebP image.");
  const client = await getClient(partnerId, clientId);
  if (!client) throw new PhotoError("No such client.");
  const dir = photoDir();
  await fs.mkdir(dir, { recursive: true });
  const file = `${clientId}-${crypto.randomBytes(8).toString("hex")}.${kind.ext}`;
  await fs.writeFile(path.join(dir, file), bytes, { flag: "wx" });
  const db = await getDb();
  await db.client.update({ where: { id: clientId }, data: { photoFile: file } });
  if (client.photoFile) await fs.rm(path.join(dir, path.basename(client.photoFile)), { force: true });
}

export async function removePhoto(partnerId: string, clientId: string): Promise<void> {
  const client = await getClient(partnerId, clientId);
  if (!client?.photoFile) return;
  const db = await getDb();
  await db.client.update({ where: { id: clientId }, data: { photoFile: null } });
  await fs.rm(path.join(photoDir(), path.basename(client.photoFile)), { force: true });
}

/** The stored photo file and its type, for the photo route to serve after its consent check. */
export async function readPhoto(file: string): Promise<{ bytes: Uint8Array; type: string } | null> {
  try {
    const bytes = new Uint8Array(await fs.readFile(path.join(photoDir(), path.basename(file))));
    const kind = sniffImage(bytes);
    return kind ? { bytes, type: kind.type } : null;
  } catch {
    return null;
  }
}
