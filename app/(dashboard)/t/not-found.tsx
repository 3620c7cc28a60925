import Link from "next/link";

/** Rendered when the tenant in the URL does not exist or the user is not a member (we do not say which). */
export default function TenantNotFound() {
  return (
    <main className="center-page">
      <div>
        <h1>Tenant not found</h1>
        <p>
          This tenant does not exist, or you are not a member of it. Ask an owner of the tenant to add you, or go back to
          a tenant you belong to.
        </p>
        <Link className="btn" href="/">
          Go to my dashboard
        </Link>
      </div>
    </main>
  );
}
