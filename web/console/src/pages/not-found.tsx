import { Link } from "react-router";
import { paths } from "../paths.ts";

export function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        This console has no such page. <Link to={paths.overview}>Go to the overview</Link>.
      </p>
    </>
  );
}
