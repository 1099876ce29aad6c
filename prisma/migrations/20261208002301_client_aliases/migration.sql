-- AlterTable
ALTER TABLE "clients" ADD COLUMN     "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[];
