"""retail: the functions of the hello-retail application flows (product catalog, product photos,
product purchase), with the contract of workloads/hello/hello.c for serving.

  retail.py [PORT]            serve the function named by $SANDBENCH_FUNCTION on 0.0.0.0:PORT
                              (argv, else $PORT, else 8080), or on fd 3 when socket-activated (LISTEN_FDS)
  retail.py --probe           import the libraries the functions use, print "retail: ok" and exit
  retail.py --hang            print the start marker and sleep forever
  retail.py --make-image PATH write the JPEG the image server serves (deterministic) and exit

Functions (the environment names MariaDB: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME; the image
server: IMAGE_URL; the gateway the purchase chain goes through: GATEWAY_URL):
  catalog-builder        POST /        a product (JSON) is written to productCatalog and categoryTable
  catalog-api            GET /categories, /products?category=C, /product?id=P
  photos-assign          POST /        picks the least busy photographer for a product, records it
  photos-receive         POST /        fetches the image, resizes it, stores a record of the photo
  purchase               POST /        authenticate -> get-price -> authorize-cc -> publish, each through the gateway
  purchase-authenticate  POST /        checks a user's token against userTable
  purchase-get-price     POST /        a product's price
  purchase-authorize-cc  POST /        Luhn check and limit of a card payment
  purchase-publish       POST /        records the purchase

Every answer carries X-Function-Duration-Ns: the time spent in the function, from the request's body
read to the answer built, so the overhead outside it is response time minus that.
"""
import os
import sys
import time

START = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
# serve.py (workloads/common) sits beside this file; -I leaves the script's directory off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402

FUNCTIONS = ("catalog-builder", "catalog-api", "photos-assign", "photos-receive", "purchase",
             "purchase-authenticate", "purchase-get-price", "purchase-authorize-cc", "purchase-publish")



class Failure(Exception):
    """An answer other than 200: its status and a one-line reason."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def make_image(path):
    from PIL import Image
    size = (1600, 1200)
    red = Image.linear_gradient("L").resize(size)
    green = red.transpose(Image.Transpose.ROTATE_90).resize(size)
    blue = Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 64)
    Image.merge("RGB", (red, green, blue)).save(path, "JPEG", quality=90)


class Functions:
    """The nine functions; one connection to MariaDB and one to the gateway per serving thread."""

    def __init__(self, name):
        import threading
        self.name = name
        self.local = threading.local()
        self.env = os.environ

    # --- connections -------------------------------------------------------------------------
    def db(self):
        conn = getattr(self.local, "db", None)
        if conn is None:
            import pymysql
            e = self.env
            try:
                conn = pymysql.connect(host=e["DB_HOST"], port=int(e["DB_PORT"]), user=e["DB_USER"],
                                       password=e["DB_PASSWORD"], database=e["DB_NAME"], autocommit=True,
                                       connect_timeout=10)
            except KeyError as missing:
                raise Failure(500, f"{self.name}: ${missing.args[0]} is not set (MariaDB's address)")
            self.local.db = conn
        return conn

    def query(self, sql, args=()):
        """One statement in a transaction of its own (autocommit: a read sees every write committed before it)."""
        conn = self.db()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                rows = cur.fetchall()
                last = cur.lastrowid
            return rows, last
        except Exception:
            self.local.db = None
            try:
                conn.close()
            except Exception:
                pass
            raise

    def call(self, function, body):
        """POST body (JSON) to another function through the gateway; its JSON answer, or a Failure."""
        import http.client
        import json
        import urllib.parse
        url = self.env.get("GATEWAY_URL")
        if not url:
            raise Failure(500, f"{self.name}: $GATEWAY_URL is not set (the chain goes through the gateway)")
        conn = getattr(self.local, "gw", None)
        if conn is None:
            u = urllib.parse.urlsplit(url)
            conn = self.local.gw = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
        data = json.dumps(body).encode()
        try:
            conn.request("POST", f"/{function}/", body=data, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.local.gw = None
            conn.close()
            raise Failure(502, f"{self.name}: calling {function}: {e}")
        if resp.status != 200:
            first = payload.decode(errors="replace").splitlines()[0] if payload else ""
            raise Failure(resp.status if resp.status < 500 else 502, f"{function} answered {resp.status}: {first}")
        return json.loads(payload)

    # --- the functions -----------------------------------------------------------------------
    def handle(self, method, path, query, body):
        f = self.name
        if f == "catalog-api":
            return self.catalog_api(method, path, query)
        if method != "POST":
            raise Failure(405, f"{f} takes POST")
        return getattr(self, f.replace("-", "_"))(body)

    def catalog_builder(self, b):
        p = need(b, "productId", "category", "name", "brand", "description", "price")
        now = time.time_ns() // 1_000_000
        conn = self.db()
        try:
            conn.begin()
            with conn.cursor() as cur:
                cur.execute("INSERT INTO productCatalog (productId, category, name, brand, description, price, updatedAt) "
                            "VALUES (%s,%s,%s,%s,%s,%s,%s) ON DUPLICATE KEY UPDATE category=VALUES(category), name=VALUES(name), "
                            "brand=VALUES(brand), description=VALUES(description), price=VALUES(price), updatedAt=VALUES(updatedAt)",
                            (p["productId"], p["category"], p["name"], p["brand"], p["description"], p["price"], now))
                cur.execute("INSERT INTO categoryTable (category, updatedAt) VALUES (%s,%s) "
                            "ON DUPLICATE KEY UPDATE updatedAt=VALUES(updatedAt)", (p["category"], now))
            conn.commit()
        except Exception:
            self.local.db = None
            conn.close()
            raise
        return {"productId": p["productId"]}

    def catalog_api(self, method, path, query):
        if method != "GET":
            raise Failure(405, "catalog-api takes GET")
        if path == "/categories":
            rows, _ = self.query("SELECT category FROM categoryTable ORDER BY category")
            return {"categories": [r[0] for r in rows]}
        if path == "/products":
            category = one(query, "category")
            rows, _ = self.query("SELECT productId, name, brand, price FROM productCatalog WHERE category=%s ORDER BY productId", (category,))
            return {"category": category, "products": [{"productId": r[0], "name": r[1], "brand": r[2], "price": str(r[3])} for r in rows]}
        if path == "/product":
            pid = one(query, "id")
            rows, _ = self.query("SELECT productId, category, name, brand, description, price FROM productCatalog WHERE productId=%s", (pid,))
            if not rows:
                raise Failure(404, f"no product {pid}")
            r = rows[0]
            return {"productId": r[0], "category": r[1], "name": r[2], "brand": r[3], "description": r[4], "price": str(r[5])}
        raise Failure(404, f"catalog-api has no {path} (categories, products, product)")

    def photos_assign(self, b):
        pid = need(b, "productId")["productId"]
        conn = self.db()
        try:
            conn.begin()
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM photographerTable ORDER BY assignments, id LIMIT 1 FOR UPDATE")
                row = cur.fetchone()
                if row is None:
                    raise Failure(500, "no photographer in photographerTable")
                cur.execute("UPDATE photographerTable SET assignments = assignments + 1 WHERE id=%s", (row[0],))
                cur.execute("INSERT INTO photoAssignments (productId, photographer, assignedAt) VALUES (%s,%s,%s)",
                            (pid, row[0], time.time_ns() // 1_000_000))
            conn.commit()
        except Failure:
            conn.rollback()
            raise
        except Exception:
            self.local.db = None
            conn.close()
            raise
        return {"productId": pid, "photographer": row[0]}

    def photos_receive(self, b):
        import hashlib
        import io
        import urllib.request
        from PIL import Image
        p = need(b, "productId", "photographer")
        url = self.env.get("IMAGE_URL")
        if not url:
            raise Failure(500, "photos-receive: $IMAGE_URL is not set (the image server)")
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                original = r.read()
        except OSError as e:
            raise Failure(502, f"photos-receive: fetching {url}: {e}")
        img = Image.open(io.BytesIO(original))
        img.thumbnail((400, 400))
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=85)
        data = out.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        self.query("INSERT INTO storedPhotosTable (productId, photographer, width, height, bytes, sha256, label, storedAt) "
                   "VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                   (p["productId"], p["photographer"], img.width, img.height, len(data), digest, 0, time.time_ns() // 1_000_000))
        return {"productId": p["productId"], "width": img.width, "height": img.height, "bytes": len(data),
                "originalBytes": len(original), "sha256": digest}

    def purchase(self, b):
        p = need(b, "productId", "userId", "token", "card")
        self.call("purchase-authenticate", {"userId": p["userId"], "token": p["token"]})
        price = self.call("purchase-get-price", {"productId": p["productId"]})["price"]
        auth = self.call("purchase-authorize-cc", {"card": p["card"], "amount": price})["authorization"]
        done = self.call("purchase-publish", {"productId": p["productId"], "userId": p["userId"], "price": price,
                                              "authorization": auth})
        return {"purchaseId": done["purchaseId"], "price": price, "authorization": auth}

    def purchase_authenticate(self, b):
        import hashlib
        import hmac
        p = need(b, "userId", "token")
        rows, _ = self.query("SELECT tokenHash FROM userTable WHERE userId=%s", (p["userId"],))
        given = hashlib.sha256(str(p["token"]).encode()).hexdigest()
        if not rows or not hmac.compare_digest(rows[0][0], given):
            raise Failure(403, f"user {p['userId']} is not authenticated")
        return {"userId": p["userId"], "authenticated": True}

    def purchase_get_price(self, b):
        pid = need(b, "productId")["productId"]
        rows, _ = self.query("SELECT price FROM productCatalog WHERE productId=%s", (pid,))
        if not rows:
            raise Failure(404, f"no product {pid}")
        return {"productId": pid, "price": str(rows[0][0])}

    def purchase_authorize_cc(self, b):
        import hashlib
        p = need(b, "card", "amount")
        digits = [int(c) for c in str(p["card"]) if c.isdigit()]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 1:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if len(digits) < 12 or total % 10 != 0:
            raise Failure(402, "card declined: not a valid card number")
        if float(p["amount"]) > 10000:
            raise Failure(402, "card declined: over the limit")
        return {"approved": True, "authorization": hashlib.sha256(f"{p['card']}|{p['amount']}".encode()).hexdigest()[:16]}

    def purchase_publish(self, b):
        p = need(b, "productId", "userId", "price", "authorization")
        _, last = self.query("INSERT INTO purchaseTable (productId, userId, price, authorization, createdAt) VALUES (%s,%s,%s,%s,%s)",
                             (p["productId"], p["userId"], p["price"], p["authorization"], time.time_ns() // 1_000_000))
        return {"purchaseId": last}


def need(body, *keys):
    if not isinstance(body, dict):
        raise Failure(400, "the body must be a JSON object")
    missing = [k for k in keys if k not in body]
    if missing:
        raise Failure(400, f"missing {', '.join(missing)}")
    return body


def one(query, key):
    values = query.get(key)
    if not values:
        raise Failure(400, f"missing query parameter {key}")
    return values[0]


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--make-image":
        make_image(args[1])
        return 0
    if len(args) > 1:
        sys.stderr.write("usage: retail.py [PORT | --probe | --hang | --make-image PATH]\n")
        return 2
    arg = args[0] if args else None
    if arg == "--probe":
        import pymysql  # noqa: F401
        import PIL  # noqa: F401
        os.write(1, b"retail: ok\n")
        return 0
    if arg is not None and arg.startswith("-") and arg != "--hang":
        sys.stderr.write(f"retail.py: unknown option {arg}\n")
        return 2
    serve.start(START, hang=arg == "--hang")

    name = os.environ.get("SANDBENCH_FUNCTION", "")
    if name not in FUNCTIONS:
        sys.stderr.write(f"retail.py: $SANDBENCH_FUNCTION is '{name}', not one of {', '.join(FUNCTIONS)}\n")
        return 2
    functions = Functions(name)
    # The libraries load before the ready marker, as a platform's function is loaded before it takes traffic.
    import json
    import urllib.parse
    from http.server import BaseHTTPRequestHandler
    import pymysql  # noqa: F401
    if name == "photos-receive":
        from PIL import Image  # noqa: F401

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            began = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            url = urllib.parse.urlsplit(self.path)
            try:
                body = json.loads(raw) if raw else None
                status, answer = 200, functions.handle(self.command, url.path, urllib.parse.parse_qs(url.query), body)
            except Failure as f:
                status, answer = f.status, {"error": str(f)}
            except ValueError as e:
                status, answer = 400, {"error": f"{name}: bad request: {e}"}
            except Exception as e:  # a database or library failure: a 500 with its reason, the server goes on
                status, answer = 500, {"error": f"{name}: {type(e).__name__}: {e}"}
            data = (json.dumps(answer) + "\n").encode()
            took = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - began
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Function-Duration-Ns", str(took))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    return serve.serve("retail.py", Handler, arg)


if __name__ == "__main__":
    sys.exit(main())
