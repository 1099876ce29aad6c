import type { LoaderFunctionArgs } from "@remix-run/node";
import { walletCsv } from "~/models/wallet.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import { getEnv } from "~/utils/env.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const origin = getEnv().APP_ORIGIN ?? new URL(request.url).origin;
  const day = new Date().toISOString().slice(0, 10);
  return new Response(walletCsv(user.id, origin), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="mavuno-wallet-${day}.csv"`,
      // A wallet's history is private: never kept by a shared cache.
      "Cache-Control": "private, no-store",
    },
  });
}
