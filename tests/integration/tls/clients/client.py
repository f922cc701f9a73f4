# A backend's HTTPS call with Python's standard library, as written against production: urllib.request,
# no proxy or CA settings in code (HTTPS_PROXY and SSL_CERT_FILE come from the environment).
# Usage: client.py METHOD URL [BODY] [Name: value]...   Prints status, headers, blank line, body.
import sys
import urllib.error
import urllib.request

method, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 and sys.argv[3] else None
req = urllib.request.Request(url, data=body, method=method)
for h in sys.argv[4:]:
    name, value = h.split(":", 1)
    req.add_header(name.strip(), value.strip())
try:
    res = urllib.request.urlopen(req, timeout=20)
except urllib.error.HTTPError as e:
    res = e
print(res.status)
for name, value in res.headers.items():
    print(f"{name.lower()}: {value}")
print()
sys.stdout.write(res.read().decode())
