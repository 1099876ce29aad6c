// Field partners: who they are, who works for them, and what lenders may see of them.
import { getDb } from "~/utils/db.server.ts";

/** The partner as its own staff see it in the portal header. */
export async function getPartnerForStaff(partnerId: string) {
  const db = await getDb();
  return db.partner.findUnique({
    where: { id: partnerId },
    select: { id: true, name: true, slug: true, country: true, regions: true, currency: true, status: true },
  });
}
