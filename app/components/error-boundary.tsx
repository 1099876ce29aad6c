import { isRouteErrorResponse, Link, useLocation, useRouteError } from "@remix-run/react";

const TITLES: Record<number, string> = {
  400: "That request could not be understood",
  401: "Please log in",
  403: "You do not have access",
  404: "Page not found",
  405: "That is not allowed here",
  429: "Too many requests",
};

/** One error view for every route: what went wrong in plain words, and a way on. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const location = useLocation();
  if (isRouteErrorResponse(error)) {
    const title = TITLES[error.status] ?? "Something went wrong";
    const detail = typeof error.data === "string" && error.data ? error.data : null;
    return (
      <section className="error-page" aria-labelledby="error-title">
        <p className="error-code">Error {error.status}</p>
        <h1 id="error-title">{title}</h1>
        {error.status === 404 ? (
          <p>We could not find {location.pathname}. It may have moved, or never existed.</p>
        ) : detail ? (
          <p>{detail}</p>
        ) : null}
        {error.status === 401 ? (
          <p>
            <Link to={`/login?${new URLSearchParams({ redirectTo: location.pathname })}`}>Log in to continue</Link>
          </p>
        ) : null}
        <p>
          <Link to="/">Go to the home page</Link> or <Link to="/loans">browse loans</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-code">Error 500</p>
      <h1 id="error-title">Something went wrong on our side</h1>
      <p>Nothing you entered was lost by this error. Please try again in a moment.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
