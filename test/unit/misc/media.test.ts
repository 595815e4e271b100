import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/protocol/errors.js";
import { ApiVersion } from "../../../src/protocol/versions.js";
import { downloadFile, getMediaConfig, uploadFile } from "../../../src/widget/features/media.js";
import { FakeDriver, faults } from "./fake-driver.js";
import { errorOf, openSession } from "./harness.js";

const UPLOAD = "org.matrix.msc4039.upload_file";
const DOWNLOAD = "org.matrix.msc4039.download_file";
const URI = "mxc://example.org/file1";

describe("get_media_config", () => {
  it.each(["get_media_config", "org.matrix.msc4039.get_media_config"])(
    "answers %s with the driver's config for a widget that may upload",
    async (action) => {
      const s = await openSession({ capabilities: [UPLOAD] });
      const result = await s.send(action, {});
      expect(result.reply.action).toBe(action);
      expect(result.response).toEqual({ "m.upload.size": 1_000_000 });
    },
  );

  it("reads the config through the widget function, sent under the advertised unstable name", async () => {
    const s = await openSession({ capabilities: ["m.upload_file"] });
    await expect(getMediaConfig(s.client)).resolves.toEqual({ "m.upload.size": 1_000_000 });
    expect(s.pair.widget.sent.some((m) => m.action === "org.matrix.msc4039.get_media_config")).toBe(true);
  });

  it("refuses a widget that may only download, before calling the driver", async () => {
    const s = await openSession({ capabilities: [DOWNLOAD] });
    expect(errorOf(await s.send("get_media_config", {}))?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("getMediaConfig")).toEqual([]);
  });

  it.each([
    ["a non-object", "config"],
    ["a string upload size", { "m.upload.size": "big" }],
  ])("answers an internal error when the driver returns %s", async (_label, value) => {
    const driver = new FakeDriver().fail("getMediaConfig", faults.malformed(value));
    const s = await openSession({ capabilities: [UPLOAD], driver });
    expect(errorOf(await s.send("get_media_config", {}))?.code).toBe(ErrorCode.Internal);
  });
});

describe("upload_file", () => {
  it("uploads a Blob by structured clone and replies its mxc URI", async () => {
    const s = await openSession({ capabilities: [UPLOAD] });
    await expect(uploadFile(s.client, new Blob(["hello"], { type: "text/plain" }))).resolves.toBe(
      s.driver.uploadedUri,
    );
    const [[file]] = s.driver.callsOf("uploadFile") as [[Blob]];
    expect(file).toBeInstanceOf(Blob);
    expect(await file.text()).toBe("hello");
    expect(s.pair.widget.sent.some((m) => m.action === UPLOAD)).toBe(true);
  });

  it("uploads an ArrayBuffer, and hands other views to the driver as a Uint8Array", async () => {
    const s = await openSession({ capabilities: [UPLOAD] });
    await uploadFile(s.client, new Uint8Array([1, 2, 3]).buffer);
    await uploadFile(s.client, new Int16Array([1, 2]));
    const files = s.driver.callsOf("uploadFile").map(([file]) => file);
    expect(files[0]).toBeInstanceOf(ArrayBuffer);
    expect(files[1]).toBeInstanceOf(Uint8Array);
    expect((files[1] as Uint8Array).byteLength).toBe(4);
  });

  it("accepts a Blob larger than the JSON message limit: binary data is never measured as JSON", async () => {
    const s = await openSession({ capabilities: [UPLOAD], limits: { maxMessageBytes: 1024 } });
    const big = new Blob([new Uint8Array(64 * 1024)]);
    await expect(uploadFile(s.client, big)).resolves.toBe(s.driver.uploadedUri);
  });

  // Binary data travels by structured clone; it is bounded by maxUploadBytes, not the JSON limit.
  it("accepts a Uint8Array larger than the JSON message limit", async () => {
    const s = await openSession({ capabilities: [UPLOAD], limits: { maxMessageBytes: 1024 } });
    await expect(uploadFile(s.client, new Uint8Array(64 * 1024))).resolves.toBe(s.driver.uploadedUri);
  });

  it("refuses a file over maxUploadBytes, before calling the driver", async () => {
    const s = await openSession({ capabilities: [UPLOAD], limits: { maxUploadBytes: 4 } });
    const result = await s.send("upload_file", { file: new Blob(["12345"]) });
    expect(errorOf(result)?.code).toBe(ErrorCode.TooLarge);
    expect(s.driver.callsOf("uploadFile")).toEqual([]);
  });

  it("refuses without the upload capability, before calling the driver", async () => {
    const s = await openSession({ capabilities: [DOWNLOAD] });
    expect(errorOf(await s.send("upload_file", { file: new Blob(["x"]) }))?.code).toBe(
      ErrorCode.MissingCapability,
    );
    expect(s.driver.callsOf("uploadFile")).toEqual([]);
  });

  it.each([
    ["a string", "some-content"],
    ["a plain object", { size: 3 }],
    ["nothing", undefined],
  ])("refuses %s as the file, before calling the driver", async (_label, file) => {
    const s = await openSession({ capabilities: [UPLOAD] });
    expect(errorOf(await s.send("upload_file", { file }))?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("uploadFile")).toEqual([]);
  });

  it("answers an internal error when the driver returns no mxc URI", async () => {
    const driver = new FakeDriver().fail("uploadFile", faults.malformed({ contentUri: "https://x/y" }));
    const s = await openSession({ capabilities: [UPLOAD], driver });
    expect(errorOf(await s.send("upload_file", { file: new Blob(["x"]) }))?.code).toBe(ErrorCode.Internal);
  });

  it("relays a homeserver refusal once", async () => {
    const driver = new FakeDriver().fail("uploadFile", faults.forbidden());
    const s = await openSession({ capabilities: [UPLOAD], driver });
    const result = await s.send("upload_file", { file: new Blob(["x"]) });
    expect(errorOf(result)?.code).toBe(ErrorCode.HomeserverError);
    expect(errorOf(result)?.matrix_api_error?.http_status).toBe(403);
  });
});

describe("download_file", () => {
  it("downloads a file by mxc URI", async () => {
    const driver = new FakeDriver();
    driver.files.set(URI, new Blob(["content"]));
    const s = await openSession({ capabilities: [DOWNLOAD], driver });
    const file = await downloadFile(s.client, URI);
    expect(file).toBeInstanceOf(Blob);
    expect(await (file as Blob).text()).toBe("content");
    expect(driver.callsOf("downloadFile")).toEqual([[URI]]);
  });

  it("relays the homeserver's 404 for an unknown file", async () => {
    const s = await openSession({ capabilities: [DOWNLOAD] });
    const result = await s.send("download_file", { content_uri: URI });
    expect(errorOf(result)?.matrix_api_error?.response.errcode).toBe("M_NOT_FOUND");
  });

  it("refuses without the download capability, before calling the driver", async () => {
    const s = await openSession({ capabilities: [UPLOAD] });
    expect(errorOf(await s.send(DOWNLOAD, { content_uri: URI }))?.code).toBe(ErrorCode.MissingCapability);
    expect(s.driver.callsOf("downloadFile")).toEqual([]);
  });

  it.each([
    ["an http URL", { content_uri: "https://example.org/file" }],
    ["a negative timeout", { content_uri: URI, timeout_ms: -1 }],
    ["a timeout over ten minutes", { content_uri: URI, timeout_ms: 600_001 }],
  ])("refuses %s, before calling the driver", async (_label, data) => {
    const s = await openSession({ capabilities: [DOWNLOAD] });
    expect(errorOf(await s.send("download_file", data))?.code).toBe(ErrorCode.InvalidRequest);
    expect(s.driver.callsOf("downloadFile")).toEqual([]);
  });

  it("refuses to decrypt, rather than return ciphertext as if it were the file", async () => {
    const s = await openSession({ capabilities: [DOWNLOAD] });
    const result = await s.send("download_file", { content_uri: URI, encryption: { v: "v2" } });
    expect(errorOf(result)?.code).toBe(ErrorCode.Unsupported);
    expect(s.driver.callsOf("downloadFile")).toEqual([]);
  });

  it("answers an internal error when the driver returns no binary file", async () => {
    const driver = new FakeDriver().fail("downloadFile", faults.malformed({ file: "text" }));
    const s = await openSession({ capabilities: [DOWNLOAD], driver });
    expect(errorOf(await s.send("download_file", { content_uri: URI }))?.code).toBe(ErrorCode.Internal);
  });
});

describe("a host without media operations", () => {
  it("does not advertise org.matrix.msc4039, and the widget functions reject without sending", async () => {
    const driver = new FakeDriver({ without: ["getMediaConfig", "uploadFile", "downloadFile"] });
    const s = await openSession({ capabilities: [UPLOAD, DOWNLOAD], driver });
    expect(s.host.supportedVersions).not.toContain(ApiVersion.MSC4039);
    await expect(uploadFile(s.client, new Blob(["x"]))).rejects.toMatchObject({
      code: ErrorCode.Unsupported,
    });
    await expect(downloadFile(s.client, URI)).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    await expect(getMediaConfig(s.client)).rejects.toMatchObject({ code: ErrorCode.Unsupported });
    expect(s.pair.widget.sent.filter((m) => m.action.includes("msc4039"))).toEqual([]);
    expect(errorOf(await s.send(UPLOAD, { file: new Blob(["x"]) }))?.code).toBe(ErrorCode.Unsupported);
  });
});
