import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";

// Any URL no other route matches: a real 404 with the site around it.
export async function loader() {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return <GeneralErrorBoundary />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
