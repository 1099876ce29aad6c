// One made-up, three-question PPI scorecard file (app/lib/ppi.ts's CSV format),
// small enough to work by hand: the best answers add up to 25 + 15 + 20 = 60.
// Shared by the unit, integration and end-to-end tests of the PPI import.
export function handWorkedScorecard(options: { country: string; version: string; title: string; comment?: string; extreme?: string }): string {
  const head = options.comment ? `# ${options.comment}\n` : "";
  return `${head}country,${options.country}
version,${options.version}
title,${options.title}
sample,yes
line,National
line,Extreme
question,How many people live in the household?
answer,Five or more,0
answer,Three or four,10
answer,One or two,25
question,What is the roof made of?
answer,Thatch,0
answer,Iron sheets,15
question,Does anyone in the household own a mobile phone?
answer,No,0
answer,Yes,20
likelihood,0,9,80,${options.extreme ?? "40.5"}
likelihood,10,24,60.25,20
likelihood,25,49,35,8.75
likelihood,50,100,10,1
`;
}
