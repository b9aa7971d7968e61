// Drives a running `kensa server` with the AWS SDK for JavaScript v3
// (@aws-sdk/client-inspector2), signing with keys Kensa issued. Run by
// tests/integration/server_sdk.sh, which seeds the account and passes:
//   KENSA_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
//   EXPECT_TOTAL (findings), EXPECT_CRITICAL, EXPECT_RESOURCES, ACCOUNT_ID.
// Prints "N passed, N failed" and exits non-zero on failure.
import {
  Inspector2Client,
  ListFindingsCommand,
  paginateListFindings,
  CreateFilterCommand,
  DeleteFilterCommand,
  ListFiltersCommand,
  ListCoverageCommand,
  ListCoverageStatisticsCommand,
  ListFindingAggregationsCommand,
  BatchGetAccountStatusCommand,
  BatchGetFindingDetailsCommand,
  CreateFindingsReportCommand,
  GetFindingsReportStatusCommand,
  GetConfigurationCommand,
} from "@aws-sdk/client-inspector2";

const env = process.env;
const client = new Inspector2Client({
  endpoint: env.KENSA_ENDPOINT,
  region: env.AWS_REGION || "us-east-1",
  maxAttempts: 1,
});
let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) { passed++; } else { failed++; console.error(`FAIL ${what}`); }
}
async function step(name, fn) {
  try { await fn(); } catch (e) { failed++; console.error(`FAIL ${name}: ${e.name}: ${e.message}`); }
}

const critical = { severity: [{ comparison: "EQUALS", value: "CRITICAL" }] };

await step("ListFindings with a filter", async () => {
  const r = await client.send(new ListFindingsCommand({ filterCriteria: critical, maxResults: 100 }));
  check(r.findings.length === Number(env.EXPECT_CRITICAL), `critical count ${r.findings.length}`);
  check(r.findings.every((f) => f.severity === "CRITICAL"), "all CRITICAL");
  check(r.findings.every((f) => f.firstObservedAt instanceof Date && f.firstObservedAt.getTime() > 0),
        "timestamps parse as Dates");
  check(r.findings.every((f) => f.awsAccountId === env.ACCOUNT_ID), "own account only");
});

await step("paginateListFindings", async () => {
  let n = 0, pages = 0;
  for await (const page of paginateListFindings({ client, pageSize: 2 }, {
    sortCriteria: { field: "INSPECTOR_SCORE", sortOrder: "DESC" } })) {
    n += page.findings.length;
    pages++;
  }
  check(n === Number(env.EXPECT_TOTAL), `paginated total ${n}`);
  check(pages >= Math.ceil(Number(env.EXPECT_TOTAL) / 2), `pages ${pages}`);
});

await step("CreateFilter SUPPRESS is retroactive, DeleteFilter lifts it", async () => {
  const f = await client.send(new CreateFilterCommand({
    name: "sdk-suppress", action: "SUPPRESS", reason: "sdk test",
    filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2023-5678" }] } }));
  check(/:owner\/\d{12}\/filter\//.test(f.arn), `filter arn ${f.arn}`);
  const supp = { findingStatus: [{ comparison: "EQUALS", value: "SUPPRESSED" }] };
  let r = await client.send(new ListFindingsCommand({ filterCriteria: supp }));
  check(r.findings.length === 1 && r.findings[0].packageVulnerabilityDetails.vulnerabilityId === "CVE-2023-5678",
        "one finding suppressed");
  const l = await client.send(new ListFiltersCommand({ action: "SUPPRESS" }));
  check(l.filters.some((x) => x.arn === f.arn && x.createdAt instanceof Date), "listed");
  await client.send(new DeleteFilterCommand({ arn: f.arn }));
  r = await client.send(new ListFindingsCommand({ filterCriteria: supp }));
  check(r.findings.length === 0, "suppression lifted");
});

await step("ListCoverage and statistics", async () => {
  const r = await client.send(new ListCoverageCommand({}));
  check(r.coveredResources.length === Number(env.EXPECT_RESOURCES), `coverage ${r.coveredResources.length}`);
  check(r.coveredResources.every((c) => c.scanStatus.statusCode === "ACTIVE"), "all ACTIVE");
  const s = await client.send(new ListCoverageStatisticsCommand({ groupBy: "RESOURCE_TYPE" }));
  check(Number(s.totalCounts) === Number(env.EXPECT_RESOURCES), "statistics total");
});

await step("ListFindingAggregations", async () => {
  const t = await client.send(new ListFindingAggregationsCommand({
    aggregationType: "TITLE",
    aggregationRequest: { titleAggregation: { sortBy: "ALL", sortOrder: "DESC" } } }));
  check(t.responses.length > 0 && t.responses.every((x) => x.titleAggregation.title), "titles");
  const p = await client.send(new ListFindingAggregationsCommand({
    aggregationType: "PACKAGE",
    aggregationRequest: { packageAggregation: { packageNames: [{ comparison: "EQUALS", value: "zlib1g" }] } } }));
  check(p.responses.length === 1 && p.responses[0].packageAggregation.severityCounts.critical === 1, "zlib1g");
});

await step("BatchGetAccountStatus and finding details", async () => {
  const s = await client.send(new BatchGetAccountStatusCommand({}));
  check(s.accounts[0].accountId === env.ACCOUNT_ID && s.accounts[0].state.status === "ENABLED", "enabled");
  const one = await client.send(new ListFindingsCommand({ filterCriteria: critical, maxResults: 1 }));
  const d = await client.send(new BatchGetFindingDetailsCommand({ findingArns: [one.findings[0].findingArn] }));
  check(d.findingDetails.length === 1 && d.errors.length === 0, "details");
  const c = await client.send(new GetConfigurationCommand({}));
  check(c.ecrConfiguration.rescanDurationState.rescanDuration !== undefined, "configuration");
});

await step("CreateFindingsReport", async () => {
  const r = await client.send(new CreateFindingsReportCommand({
    reportFormat: "JSON", filterCriteria: critical,
    s3Destination: { bucketName: env.REPORT_BUCKET || "kensa-reports", keyPrefix: "sdk", kmsKeyArn: "arn:aws:kms:us-east-1:000000000000:key/none" } }));
  let st;
  for (let i = 0; i < 100; i++) {
    st = await client.send(new GetFindingsReportStatusCommand({ reportId: r.reportId }));
    if (st.status !== "IN_PROGRESS") break;
    await new Promise((res) => setTimeout(res, 100));
  }
  check(st.status === (env.EXPECT_REPORT_STATUS || "SUCCEEDED"), `report ${st.status} ${st.errorCode || ""}`);
});

await step("ValidationException names the member", async () => {
  try {
    await client.send(new ListFindingsCommand({ filterCriteria: { severity: [{ comparison: "LIKE", value: "x" }] } }));
    check(false, "bad comparison accepted");
  } catch (e) {
    check(e.name === "ValidationException" && e.$metadata.httpStatusCode === 400, `error ${e.name}`);
    check(/filterCriteria\.severity\[0\]\.comparison/.test(e.message), `message ${e.message}`);
  }
});

await step("a wrong secret is refused", async () => {
  const bad = new Inspector2Client({ endpoint: env.KENSA_ENDPOINT, region: env.AWS_REGION || "us-east-1",
    maxAttempts: 1, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: "x".repeat(40) } });
  try {
    await bad.send(new ListFindingsCommand({}));
    check(false, "wrong secret accepted");
  } catch (e) {
    check(e.name === "InvalidSignatureException" && e.$metadata.httpStatusCode === 403, `error ${e.name}`);
  }
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
