import { describe, expect, it } from "vitest";
import { redact, type RedactionTerm } from "./redact.ts";

const person = (owner: string, text: string, shown = false, replacement = "the borrower"): RedactionTerm => ({ owner, text, shown, replacement, kind: "name" });
const place = (owner: string, text: string, shown = false, replacement = "their village"): RedactionTerm => ({ owner, text, shown, replacement, kind: "phrase" });

describe("redact", () => {
  it("replaces the full name as one mention, and each part alone", () => {
    const r = redact("Zawadi Achieng sells vegetables. Customers call Achieng first, and Zawadi smiles.", [person("c1", "Zawadi Achieng")]);
    expect(r.text).toBe("The borrower sells vegetables. Customers call the borrower first, and the borrower smiles.");
    expect(r.hidden).toEqual(["Zawadi Achieng", "Achieng", "Zawadi"]);
  });

  it("finds the name in capitals and as a possessive, with either apostrophe", () => {
    const r = redact("AKINYI runs it. Akinyi's stall and Akinyi\u2019s goats.", [person("c1", "Akinyi Otieno")]);
    expect(r.text).toBe("The borrower runs it. The borrower's stall and the borrower\u2019s goats.");
  });

  it("a name ending in s takes a bare apostrophe as its possessive", () => {
    expect(redact("We visited James' shop.", [person("c1", "James Mwangi")]).text).toBe("We visited the borrower's shop.");
  });

  it("keeps whole words only: Grace leaves a grace period alone, Jun leaves June", () => {
    const grace = redact("Grace asked for a grace period of two months.", [person("c1", "Grace Wambui")]);
    expect(grace.text).toBe("The borrower asked for a grace period of two months.");
    expect(redact("In June Jun opened a shop; Junior helps.", [person("c1", "Jun Park")]).text).toBe("In June the borrower opened a shop; Junior helps.");
  });

  it("leaves a name that is part of another word", () => {
    expect(redact("Anna sells bananas in Annapolis.", [person("c1", "Anna Kim")]).text).toBe("The borrower sells bananas in Annapolis.");
  });

  it("replaces aliases recorded as the same person", () => {
    const r = redact("Everyone calls her Mama Zawi.", [person("c1", "Zawadi Achieng"), person("c1", "Mama Zawi")]);
    expect(r.text).toBe("Everyone calls her the borrower.");
  });

  it("with several people of one surname, keeps only mentions that are clearly a consenting one's", () => {
    const terms = [person("mary", "Mary Achieng", true, "a member"), person("jane", "Jane Achieng", false, "a member")];
    const r = redact("Mary Achieng chairs the group; Jane Achieng keeps the box. Achieng is a common name. Mary laughs.", terms);
    expect(r.text).toBe("Mary Achieng chairs the group; a member keeps the box. A member is a common name. Mary laughs.");
  });

  it("handles names outside ASCII and differently normalised text", () => {
    const decomposed = "Zoe\u0308 sells to \u00C9milie's neighbours.";
    const r = redact(decomposed, [person("z", "Zoë Ñusta"), person("e", "Émilie Ødegaard", false, "a member")]);
    expect(r.text).toBe("The borrower sells to a member's neighbours.");
    expect(redact("ÑUSTA and Ñusta", [person("z", "Zoë Ñusta")]).text).toBe("The borrower and the borrower");
  });

  it("places finer than the consent are replaced; shown terms stay", () => {
    const terms = [person("c1", "Zawadi Achieng", true), place("village", "Kisumu"), place("region", "Nyanza", true, "their region")];
    expect(redact("Zawadi Achieng sells at Kibuye market in Kisumu, Nyanza.", terms).text).toBe(
      "Zawadi Achieng sells at Kibuye market in their village, Nyanza.",
    );
  });

  it("particles join a full name but never count alone; initials do not either", () => {
    const terms = [person("c1", "Maria de Souza J.")];
    expect(redact("Maria de Souza sells de luxe cakes.", terms).text).toBe("The borrower sells de luxe cakes.");
  });

  it("does not say 'the' twice when the text already has it", () => {
    expect(redact("She sells at the Kibuye market.", [place("v", "Kibuye", false, "the village")]).text).toBe("She sells at the village market.");
  });

  it("returns the text as it is when nothing is hidden", () => {
    const text = "Akinyi has run a shop.";
    expect(redact(text, [person("c1", "Akinyi Otieno", true)])).toEqual({ text, hidden: [] });
    expect(redact(text, [])).toEqual({ text, hidden: [] });
  });

  it("treats names as text, not patterns", () => {
    expect(redact("AxB met A.B today.", [person("c1", "A.B")]).text).toBe("AxB met the borrower today.");
    expect(redact("Ob+ met Ob+ here", [person("c1", "Ob+")]).text).toBe("The borrower met the borrower here");
  });
});

describe("redact: whole phrases", () => {
  it("a group's name or a village counts only as a whole", () => {
    const terms: RedactionTerm[] = [
      { owner: "g", text: "Women of Hope", shown: false, replacement: "the group", kind: "phrase" },
      { owner: "v", text: "Kibuye Market", shown: false, replacement: "the village", kind: "phrase" },
    ];
    const r = redact("WOMEN OF HOPE meets in Kibuye   Market. Women of the village join Women of Hope's savings at the market.", terms);
    expect(r.text).toBe("The group meets in the village. Women of the village join the group's savings at the market.");
  });
});
