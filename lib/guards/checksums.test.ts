import { describe, expect, it } from "vitest";
import { entropy, isAadhaar, isCaSin, isEsDni, isIban, isIpv4, isIpv6, isPaymentCard, isUkNino, isUsSsn, luhn, mod97, verhoeff } from "@/lib/guards/checksums";

describe("checksums", () => {
  it("luhn", () => {
    expect(luhn("79927398713")).toBe(true);
    expect(luhn("79927398710")).toBe(false);
    expect(luhn("4111 1111 1111 1111")).toBe(true);
  });

  it("payment cards: issuer prefix, length, Luhn", () => {
    for (const c of ["4111111111111111", "5555 5555 5555 4444", "3782-822463-10005", "6011111111111117", "3530111333300000"]) expect(isPaymentCard(c)).toBe(true);
    expect(isPaymentCard("4111111111111112")).toBe(false); // Luhn
    expect(isPaymentCard("0000000000000000")).toBe(false); // one digit
    expect(isPaymentCard("41111111111")).toBe(false); // too short
  });

  it("IBAN: country length and mod-97", () => {
    for (const v of ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"]) expect(isIban(v)).toBe(true);
    expect(isIban("GB82WEST12345698765431")).toBe(false); // checksum
    expect(isIban("GB82WEST1234569876543")).toBe(false); // length
    expect(isIban("QQ82WEST12345698765432")).toBe(false); // country
    expect(mod97("3214282912345698765432161182")).toBe(1);
  });

  it("US SSN validity rules", () => {
    expect(isUsSsn("123-45-6780")).toBe(true);
    expect(isUsSsn("012-52-7174")).toBe(true);
    for (const bad of ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "078-05-1120", "111-11-1111", "12-345-678"]) expect(isUsSsn(bad)).toBe(false);
  });

  it("UK National Insurance numbers", () => {
    expect(isUkNino("AB 12 34 56 C")).toBe(true);
    expect(isUkNino("QQ123456C")).toBe(false); // Q prefix
    expect(isUkNino("GB123456A")).toBe(false); // reserved pair
    expect(isUkNino("AB123456E")).toBe(false); // suffix
  });

  it("Spanish DNI / NIE, Aadhaar (Verhoeff), Canadian SIN", () => {
    expect(isEsDni("12345678Z")).toBe(true);
    expect(isEsDni("12345678A")).toBe(false);
    expect(isEsDni("X1234567L")).toBe(true);
    expect(verhoeff("2363")).toBe(true);
    expect(verhoeff("2364")).toBe(false);
    expect(isAadhaar("2345 6789 0124")).toBe(verhoeff("234567890124"));
    expect(isAadhaar("1234 5678 9012")).toBe(false);
    expect(isCaSin("130 692 544")).toBe(true);
    expect(isCaSin("046 454 286")).toBe(false); // 0: never assigned
    expect(isCaSin("130 692 545")).toBe(false);
  });

  it("IP addresses", () => {
    expect(isIpv4("192.168.0.1")).toBe(true);
    expect(isIpv4("256.1.1.1")).toBe(false);
    expect(isIpv4("01.2.3.4")).toBe(false);
    for (const v of ["2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::ffff:192.0.2.128"]) expect(isIpv6(v)).toBe(true);
    for (const v of ["12:30:45", "1::2::3", "2001:db8:::1", "g::1"]) expect(isIpv6(v)).toBe(false);
  });

  it("entropy", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
  });
});
