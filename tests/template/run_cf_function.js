// Runs the site's CloudFront Functions under Node.js against the URL cases of url_cases.json.
//
//   node run_cf_function.js VIEWER_REQUEST_JS VIEWER_RESPONSE_JS URL_CASES_JSON
//
// Each .js file holds the FunctionCode of one function (a top-level `function handler(event)`), as written in
// template.yaml. The code runs in a bare V8 context (no require, no process), like the CloudFront runtime,
// with events shaped as CloudFront Functions builds them. Prints one JSON document on stdout:
//   {"request": [{"name", "actual"}...], "response": [{"name", "actual", "headers"}...]}
// where "actual" has the shape of the cases' "expect": {"uri"} or {"status", "location"?}.
"use strict";

const fs = require("fs");
const vm = require("vm");

function loadHandler(path) {
  const code = fs.readFileSync(path, "utf8");
  const context = vm.createContext({ console: { log: () => {} } });
  vm.runInContext(code, context, { filename: path });
  if (typeof context.handler !== "function") {
    throw new Error(`${path} defines no handler(event)`);
  }
  return context.handler;
}

// A raw query string as CloudFront Functions presents it: {name: {value, multiValue?}}, values left encoded.
function parseQuery(raw) {
  const query = {};
  for (const part of (raw || "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    if (query[name]) {
      query[name].multiValue = query[name].multiValue || [{ value: query[name].value }];
      query[name].multiValue.push({ value });
    } else {
      query[name] = { value };
    }
  }
  return query;
}

function baseEvent(eventType, uri, querystring) {
  return {
    version: "1.0",
    context: {
      distributionDomainName: "d111111abcdef8.cloudfront.net",
      distributionId: "EDFDVBD6EXAMPLE",
      eventType,
      requestId: "url-case",
    },
    viewer: { ip: "198.51.100.10" },
    request: {
      method: "GET",
      uri,
      querystring: parseQuery(querystring),
      headers: { host: { value: "d111111abcdef8.cloudfront.net" }, accept: { value: "text/html" } },
      cookies: {},
    },
  };
}

function outcome(result) {
  if (result && typeof result.statusCode === "number") {
    const actual = { status: result.statusCode };
    const headers = result.headers || {};
    if (headers.location) actual.location = headers.location.value;
    return actual;
  }
  return { uri: result.uri };
}

function runRequest(handler, item) {
  const event = baseEvent("viewer-request", item.uri, item.querystring);
  return { name: item.name, actual: outcome(handler(event)) };
}

function runResponse(handler, item) {
  const event = baseEvent("viewer-response", item.uri, "");
  const headers = {
    "content-type": { value: "text/html; charset=utf-8" },
    "cache-control": { value: "public, max-age=60, s-maxage=31536000" },
  };
  for (const [name, value] of Object.entries(item.metadata || {})) {
    headers[`x-amz-meta-${name.toLowerCase()}`] = { value };
  }
  event.response = { statusCode: item.status, statusDescription: "", headers, cookies: {} };
  const result = handler(event);
  return { name: item.name, actual: outcome(result), headers: Object.keys(result.headers || {}).sort() };
}

function main(argv) {
  if (argv.length !== 3) {
    process.stderr.write("usage: node run_cf_function.js VIEWER_REQUEST_JS VIEWER_RESPONSE_JS URL_CASES_JSON\n");
    return 2;
  }
  const [requestPath, responsePath, casesPath] = argv;
  const onRequest = loadHandler(requestPath);
  const onResponse = loadHandler(responsePath);
  const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
  const results = {
    request: cases.request.map((item) => runRequest(onRequest, item)),
    response: cases.response.map((item) => runResponse(onResponse, item)),
  };
  process.stdout.write(JSON.stringify(results, null, 1) + "\n");
  return 0;
}

process.exitCode = main(process.argv.slice(2));
