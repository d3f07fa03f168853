// Baseline for the webhook intake benchmark: the receiver documented by the official LINE SDK
// (https://line.github.io/line-bot-sdk-nodejs/guide/webhook.html). `line.middleware` reads the
// raw body, checks X-Line-Signature (HMAC-SHA256 with the channel secret) and parses the JSON;
// the handler stores nothing. The error handler is the one from the same guide: 401 on a bad
// signature, 400 on bad JSON.
//
//   LINE_CHANNEL_SECRET=... PORT=3900 node server.js
"use strict";
const line = require("@line/bot-sdk");
const express = require("express");

const channelSecret = process.env.LINE_CHANNEL_SECRET;
if (!channelSecret) {
  console.error("LINE_CHANNEL_SECRET is required");
  process.exit(2);
}
const port = Number(process.env.PORT || 3900);

const app = express();

app.post("/webhook/line/main", line.middleware({ channelSecret }), (req, res) => res.sendStatus(200));

app.use((err, req, res, next) => {
  if (err instanceof line.SignatureValidationFailed) {
    res.status(401).send(err.signature);
    return;
  } else if (err instanceof line.JSONParseError) {
    res.status(400).send(err.raw);
    return;
  }
  next(err);
});

app.listen(port, "127.0.0.1", () => {
  console.log(`express receiver listening on http://127.0.0.1:${port}/webhook/line/main`);
});
