import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "./components/error-boundary.tsx";
import { useNonce } from "./components/nonce.tsx";
import stylesheet from "./styles/app.css";
import { getMemberships, getOptionalUser } from "./utils/auth.server.ts";
import { getGateway } from "./utils/payments.server.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [
  { title: "Mavuno — lend $25 to people building their livelihoods" },
  { name: "description", content: "Lend to entrepreneurs and savings groups, in $25 shares, through field partners you can see." },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  const memberships = user ? await getMemberships(user.id) : [];
  return json({
    user: user ? { name: user.name, isPlatformAdmin: user.isPlatformAdmin } : null,
    partners: memberships.map((m) => ({ name: m.partner.name, role: m.role })),
    demoPayments: getGateway().name === "demo",
  });
}

function Document({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

/** Without Stripe keys every payment is pretend; no page may leave anyone thinking otherwise. */
function DemoPaymentsBanner() {
  const data = useRouteLoaderData<typeof loader>("root");
  if (!data?.demoPayments) return null;
  return (
    <p className="demo-banner" role="note">
      Demo payments: no real money moves
    </p>
  );
}

function Header() {
  const data = useRouteLoaderData<typeof loader>("root");
  const user = data?.user;
  return (
    <header className="site-header">
      <Link to="/" className="brand" aria-label="Mavuno home">
        Mavuno
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <NavLink to="/loans">Loans</NavLink>
          </li>
          <li>
            <NavLink to="/offerings">Invest in groups</NavLink>
          </li>
          <li>
            <NavLink to="/impact">Impact</NavLink>
          </li>
          {user?.isPlatformAdmin ? (
            <li>
              <NavLink to="/admin">Admin</NavLink>
            </li>
          ) : null}
          {data?.partners.length ? (
            <li>
              <NavLink to="/portal">Partner portal</NavLink>
            </li>
          ) : null}
          {user ? (
            <>
              <li>
                <NavLink to="/my/loans">My loans</NavLink>
              </li>
              <li>
                <NavLink to="/my/equity">My equity</NavLink>
              </li>
              <li>
                <NavLink to="/basket">Basket</NavLink>
              </li>
              <li>
                <NavLink to="/wallet">Wallet</NavLink>
              </li>
              <li>
                <NavLink to="/account">{user.name}</NavLink>
              </li>
              <li>
                <Form method="post" action="/logout">
                  <button type="submit" className="link-button">
                    Log out
                  </button>
                </Form>
              </li>
            </>
          ) : (
            <>
              <li>
                <NavLink to="/login">Log in</NavLink>
              </li>
              <li>
                <NavLink to="/signup">Sign up</NavLink>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

function Footer() {
  return (
    <footer className="site-footer">
      <p>
        Mavuno connects lenders with field partners who serve entrepreneurs and savings groups. Every borrower's
        details are shown only with their consent.
      </p>
      <p>
        Are you a microfinance institution or NGO? <Link to="/apply">Apply to become a field partner</Link>.
      </p>
      <p>
        Borrowing through one of our partners? <Link to="/statement">See your loan statement</Link> with the code your field officer gave you.
      </p>
    </footer>
  );
}

export default function App() {
  return (
    <Document>
      <DemoPaymentsBanner />
      <Header />
      <main id="main">
        <Outlet />
      </main>
      <Footer />
    </Document>
  );
}

export function ErrorBoundary() {
  return (
    <Document>
      <DemoPaymentsBanner />
      <Header />
      <main id="main">
        <GeneralErrorBoundary />
      </main>
      <Footer />
    </Document>
  );
}
