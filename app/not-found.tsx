import Link from "next/link";

export default function NotFound() {
  return (
    <main className="center-page">
      <div>
        <h1>Page not found</h1>
        <p>There is nothing at this address. Check the link, or go back to your dashboard.</p>
        <Link className="btn" href="/">
          Go to dashboard
        </Link>
      </div>
    </main>
  );
}
