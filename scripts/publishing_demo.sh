#!/bin/sh
# Publishing and syndication against `make run` (README, "Publishing"): a verdict's public
# page and feed, a re-check that keeps it published, a withdrawal (410), and the seed story
# posted again by a second outlet (one article, two appearances).
set -eu
BASE=${BASE:-http://127.0.0.1:8000}
PY=${PY:-.venv/bin/python}
API=$BASE/api
EDITOR=$($PY manage.py create_api_token edith --role editor --name "publishing demo" --expires-in 1)
AUTH="Authorization: Token $EDITOR"
JSON='Content-Type: application/json'
field() { $PY -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }

CLAIM=$(curl -s "$API/claims/?article=1&status=queued&page_size=1" -H "$AUTH" | field 'd["results"][0]["id"]')
V=$(curl -s "$API/claims/$CLAIM/" -H "$AUTH" | field 'd["version"]')
echo "== claim $CLAIM: no verdict yet"
echo "page -> $(curl -s -o /dev/null -w '%{http_code}' "$BASE/fact-checks/$CLAIM/")"
curl -s -o /dev/null -X POST "$API/claims/$CLAIM/transition/" -H "$AUTH" -H "$JSON" -d "{\"to\": \"in_review\", \"version\": $V}"
curl -s -o /dev/null -X POST "$API/claims/$CLAIM/evidence/" -H "$AUTH" -H "$JSON" \
     -d '{"stance": "contradicts", "source_name": "State Department readout", "source_kind": "document", "url": "https://www.state.gov/"}'
curl -s -o /dev/null -X POST "$API/claims/$CLAIM/transition/" -H "$AUTH" -H "$JSON" \
     -d "{\"to\": \"refuted\", \"version\": $((V + 1)), \"note\": \"The official readout contradicts it.\"}"

echo "== refuted: the public page (no sign-in) and its ClaimReview JSON-LD"
curl -s -D - -o /tmp/fact-check.html "$BASE/fact-checks/$CLAIM/" | grep -i -E '^HTTP|^content-security-policy' | cut -c1-120
$PY -c "import sys; print(open('/tmp/fact-check.html').read().split('application/ld+json', 1)[1].split('>', 1)[1].split('</script>', 1)[0])" | field '{k: d[k] for k in ("@type", "url", "reviewRating", "datePublished", "dateModified")}'
echo "== the feed (API with a token, or public), newest change first"
curl -s "$API/claimreviews/?page_size=1" -H "$AUTH" | field '(d["@type"], len(d["dataFeedElement"]), d["dataFeedElement"][0]["itemReviewed"]["author"], d["next"] is not None)'
curl -s "$BASE/fact-checks/feed.json?since=2020-01-01T00:00:00Z" | field '[i["reviewRating"]["name"] for i in d["dataFeedElement"]]'

echo "== a re-check keeps it published"
curl -s -o /dev/null -X POST "$API/claims/$CLAIM/transition/" -H "$AUTH" -H "$JSON" -d "{\"to\": \"needs_recheck\", \"version\": $((V + 2))}"
echo "status $(curl -s "$API/claims/$CLAIM/" -H "$AUTH" | field 'd["status"]'); claimreview -> $(curl -s -o /dev/null -w '%{http_code}' "$API/claims/$CLAIM/claimreview/" -H "$AUTH"); page -> $(curl -s -o /dev/null -w '%{http_code}' "$BASE/fact-checks/$CLAIM/")"

echo "== an editor withdraws it"
curl -s -X POST "$API/claims/$CLAIM/withdraw/" -H "$AUTH" -H "$JSON" -d '{"reason": "The readout was about another call."}' | field 'd["reviewRating"]["alternateName"]'
curl -s -w ' %{http_code}\n' "$API/claims/$CLAIM/claimreview/" -H "$AUTH"
echo "page -> $(curl -s -o /dev/null -w '%{http_code}' "$BASE/fact-checks/$CLAIM/")"

echo "== syndication: the seed body again, from the outlet that first published it"
$PY - <<'PYEOF' > /tmp/herald.json
import json; m = json.load(open("seeds/manifest.json"))[0]
print(json.dumps({"title": "Trump to Maduro: leave now", "publisher": "Miami Herald",
                  "url": "https://www.miamiherald.com/news/nation-world/world/americas/venezuela/article313.html",
                  "published_at": "2025-11-30T10:00:00Z", "body": open("seeds/" + m["file"], encoding="utf-8").read()}))
PYEOF
curl -s -w ' %{http_code}\n' -o /tmp/herald.out -X POST "$API/articles/" -H "$AUTH" -H "$JSON" -d @/tmp/herald.json
field '(d["id"], d["publisher"]["name"], len(d["claims"]), [(a["publisher"]["name"], a["syndicated"]) for a in d["appearances"]])' < /tmp/herald.out
$PY manage.py revoke_api_token edith --name "publishing demo"
