import { describe, expect, it } from "vitest";
import { detectPii, type PiiFinding } from "@/lib/guards/pii";
import type { PiiEntity } from "@/lib/guards/policy";

const found = (text: string, type: PiiEntity): string[] => detectPii(text, [type]).map((f) => f.value);

describe("detectPii", () => {
  it("emails, including obfuscated with zero-width characters", () => {
    expect(found("write to jane.doe+test@mail.example.co.uk today", "email")).toEqual(["jane.doe+test@mail.example.co.uk"]);
    const zw = "mail ja\u200bne@example.com";
    const f = detectPii(zw, ["email"]);
    expect(f).toHaveLength(1);
    expect(zw.slice(f[0]!.start, f[0]!.end)).toBe("ja\u200bne@example.com");
    expect(found("not an email: a@b, @handle, x@localhost", "email")).toEqual([]);
  });

  it("phones in international and local formats, with context", () => {
    expect(found("Call +44 20 7946 0958 now", "phone")).toEqual(["+44 20 7946 0958"]);
    expect(found("Ring +1 (415) 555-2671", "phone")).toEqual(["+1 (415) 555-2671"]);
    expect(found("my phone number is 070 4493 5104", "phone")).toEqual(["070 4493 5104"]);
    expect(found("office: (03) 5327 5996", "phone")).toEqual(["(03) 5327 5996"]);
    expect(found("In 2021 we had 1500 users and 320 teams", "phone")).toEqual([]);
    expect(found("order 12345", "phone")).toEqual([]);
  });

  it("payment cards only when Luhn-valid", () => {
    expect(found("card 4111 1111 1111 1111 exp 12/29", "credit_card")).toEqual(["4111 1111 1111 1111"]);
    expect(found("card 4111 1111 1111 1112", "credit_card")).toEqual([]);
    expect(found("ref GB82WEST12345698765432", "credit_card")).toEqual([]);
  });

  it("IBAN with a valid checksum", () => {
    expect(found("IBAN: GB82 WEST 1234 5698 7654 32.", "iban")).toEqual(["GB82 WEST 1234 5698 7654 32"]);
    expect(found("IBAN: GB82 WEST 1234 5698 7654 31.", "iban")).toEqual([]);
  });

  it("national ids from the table: US SSN, UK NI, context-only formats", () => {
    expect(found("SSN 123-45-6780", "national_id")).toEqual(["123-45-6780"]);
    expect(found("SSN 666-45-6780", "national_id")).toEqual([]);
    expect(found("my ssn is 123456780", "national_id")).toEqual(["123456780"]);
    expect(found("order 123456780 shipped", "national_id")).toEqual([]);
    expect(found("NI number AB 12 34 56 C", "national_id")).toEqual(["AB 12 34 56 C"]);
    expect(found("DNI 12345678Z", "national_id")).toEqual(["12345678Z"]);
  });

  it("IP addresses v4 and v6, not times or versions", () => {
    expect(found("from 86.121.97.248 and 2001:db8::ff00:42:8329", "ip_address")).toEqual(["86.121.97.248", "2001:db8::ff00:42:8329"]);
    expect(found("at 12:30:45 on version 1.2.3", "ip_address")).toEqual([]);
    expect(found("999.1.1.1", "ip_address")).toEqual([]);
  });

  it("street addresses", () => {
    expect(found("I live at 2407 Westfall Avenue Apt. 224 in town", "street_address")).toEqual(["2407 Westfall Avenue Apt. 224"]);
    expect(found("Meet me at Søndre Havnevej 65", "street_address")).toEqual(["Søndre Havnevej 65"]);
    expect(found("We walked 3 miles down the road", "street_address")).toEqual([]);
  });

  it("dates of birth need a birth context", () => {
    expect(found("born on 12/03/1981", "date_of_birth")).toEqual(["12/03/1981"]);
    expect(found("DOB: March 4, 1990", "date_of_birth")).toEqual(["March 4, 1990"]);
    expect(found("the meeting is on 12/03/2025", "date_of_birth")).toEqual([]);
  });

  it("person names from the NLP lexicon, capitalised or not", () => {
    expect(found("Please ask Angela Merkel about it", "person")).toEqual(["Angela Merkel"]);
    expect(found("nicholas had given sara his address", "person")).toEqual(["nicholas", "sara"]);
    expect(found("Dr. Smith will see you", "person")).toEqual(["Dr. Smith"]);
    expect(found("My name is Zephyrine Okonkwo", "person").length).toBe(1);
    expect(found("The weather will be sunny in May", "person")).toEqual([]);
    expect(found("Kalman: Who are you?", "person")).toEqual(["Kalman"]);
    expect(found("my name is mieszko", "person")).toEqual(["mieszko"]);
  });

  it("does not read organisations, streets or adjectives as person names", () => {
    expect(found("The Baker, Lopez and Carter Foundation gave a grant.", "person")).toEqual([]);
    expect(found("Acme Ltd. Orchestra was founded in 1990.", "person")).toEqual([]);
    expect(found("Meticulous and reliable engineer with ten years of experience.", "person")).toEqual([]);
    expect(found("Turn left at Hansen Street", "person")).toEqual([]);
  });

  it("secrets: well-known key formats, JWTs, PEM keys, high-entropy values next to key words", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expect(found(`token ${jwt}`, "secret")).toEqual([jwt]);
    expect(found("AWS key AKIAIOSFODNN7EXAMPLE", "secret")).toEqual(["AKIAIOSFODNN7EXAMPLE"]);
    expect(found("use ghp_abcdefghijklmnopqrstuvwxyz0123456789 please", "secret")).toEqual(["ghp_abcdefghijklmnopqrstuvwxyz0123456789"]);
    expect(found("Authorization: Bearer abcDEF123456ghiJKL789mnoPQR", "secret")).toEqual(["abcDEF123456ghiJKL789mnoPQR"]);
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
    expect(found(`key:\n${pem}\nthanks`, "secret")).toEqual([pem]);
    expect(found("api_key = 'Zk3Jq9Xw2Lm8Np4Rt6Vb1Hc5'", "secret")).toEqual(["Zk3Jq9Xw2Lm8Np4Rt6Vb1Hc5"]);
    expect(found("the token is important for the game", "secret")).toEqual([]);
  });

  it("returns offsets into the original text and the value at them", () => {
    const text = "Ｃａｌｌ me: bob@example.com";
    const [f] = detectPii(text, ["email"]) as [PiiFinding];
    expect(text.slice(f.start, f.end)).toBe(f.value);
    expect(f.value).toBe("bob@example.com");
  });

  it("resolves overlaps by priority (a card is not also a phone)", () => {
    const f = detectPii("phone or card? 4111 1111 1111 1111");
    expect(f.map((x) => x.type)).toEqual(["credit_card"]);
  });

  it("finds nothing in ordinary text", () => {
    expect(detectPii("The committee approved the budget for the next quarter after a long discussion.")).toEqual([]);
  });
});

describe("detectPii on repeated long texts", () => {
  const clean = "You are a careful assistant for an online bookshop. Answer questions about orders, shipping and returns. ".repeat(4);
  const withEmail = `${clean} Escalations go to jane.doe@example.com.`;

  it("answers a clean long text the same the second time (remembered as clean)", () => {
    expect(clean.length).toBeGreaterThanOrEqual(256);
    expect(detectPii(clean)).toEqual([]);
    expect(detectPii(clean)).toEqual([]);
    expect(detectPii(clean, ["email"])).toEqual([]);
  });

  it("finds PII in a long text every time, and in one that differs from a clean one by a few characters", () => {
    for (let i = 0; i < 3; i++) expect(detectPii(withEmail).map((f) => f.type)).toEqual(["email"]);
    expect(detectPii(withEmail, ["email"]).map((f) => f.value)).toEqual(["jane.doe@example.com"]);
    const near = clean.replace("bookshop", "bookshop 4111 1111 1111 1111");
    expect(detectPii(near).map((f) => f.type)).toContain("credit_card");
  });
});
