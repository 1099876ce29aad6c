#!/bin/sh
# Prisma's native schema engine cannot be downloaded on this offline machine.
# Prisma's CLI only needs a path here to run `prisma generate`; any command that
# would really use the engine (`prisma migrate`, `prisma db push`, ...) lands
# here and must fail loudly instead of silently applying nothing.
echo "mavuno: Prisma's native schema engine is not available offline." >&2
echo "mavuno: use the project's commands instead: npm run db:migrate -- --name <n> | npm run db:deploy | npm run db:status" >&2
exit 1
