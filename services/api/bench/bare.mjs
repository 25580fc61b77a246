// The baseline: a bare node:http server answering a small JSON body, like GET /ads does.
import { createServer } from "node:http"

const body = JSON.stringify({
  ad_id: "00000000-0000-4000-8000-000000000000",
  ad_title: "title",
  ad_text: "text",
  advertiser_id: "00000000-0000-4000-8000-000000000001",
})
createServer((_, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}).listen(Number(process.env.PORT ?? 18081), "127.0.0.1")
