/**
 * The demo courses' lesson text (Markdown, rendered at seed time like a teacher's save), keyed by
 * lesson title, so a newcomer opening any demo lesson sees what a lesson is: paragraphs, a list,
 * code or a table. Plus one attached file, a small cheat sheet, on the first lesson that has one.
 */

const F = '```';

export const LESSON_TEXT: Record<string, string> = {
  'What is a web page?': `A web page is a plain text file written in **HTML**. Your browser asks a server for it, reads it from top to bottom, and draws what it describes: headings, paragraphs, pictures and links.

Nothing about this needs a fast connection. A page of text is a few kilobytes, less than a single photo, which is why well-made pages open even on 2G.

## What happens when you open a page

1. You type an address, or follow a link.
2. The browser asks the server for the file at that address.
3. The server answers with HTML; the browser reads it and asks for what it mentions (styles, images).
4. The page appears, usually before every image has arrived.

## The files in between

| File | What it holds | Typical size |
|------|---------------|-------------:|
| \`index.html\` | the words and their structure | 5 KB |
| \`style.css\` | colours, spacing, layout | 8 KB |
| \`photo.webp\` | one picture | 40 KB |

> Try it: on any page, choose "View source" in your browser's menu. Everything you see there is HTML.

${F}html
<h1>Hello!</h1>
<p>This is my first web page.</p>
${F}
`,

  'Your first HTML file': `Open any text editor (Notepad on Windows, TextEdit in plain-text mode on a Mac, or a notes app on your phone) and type the page below. Save it as \`index.html\`, then open that file in your browser.

${F}html
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>My first page</title>
  </head>
  <body>
    <h1>About me</h1>
    <p>I am learning to build web pages.</p>
    <p>Read more on <a href="https://developer.mozilla.org">MDN</a>.</p>
  </body>
</html>
${F}

## What each part does

- \`<!doctype html>\` tells the browser this is a modern HTML page.
- \`<head>\` holds facts *about* the page: its title and its character set.
- \`<body>\` holds what people see.
- \`<a href="…">\` makes a link; the text between the tags is what people click.

| Tag | Meaning |
|-----|---------|
| \`h1\` to \`h6\` | headings, from most to least important |
| \`p\` | a paragraph |
| \`a\` | a link |

Change the words, save, and reload the browser: that loop is how every web page gets built.
`,

  'Lists and tables': `Lists and tables both arrange things, but they tell a screen reader very different stories. A list says "these items belong together"; a table says "read these values by row and column".

## Lists

Use \`<ul>\` when order does not matter and \`<ol>\` when it does:

${F}html
<ol>
  <li>Preheat the oven.</li>
  <li>Mix the flour and the eggs.</li>
  <li>Bake for 20 minutes.</li>
</ol>
${F}

## Tables

Use a table only for data that has rows *and* columns, never for layout. Give it a header row with \`<th>\` so that each cell is read out with its column's name.

| Day | Visitors | Sales |
|-----|---------:|------:|
| Monday | 120 | 8 |
| Tuesday | 95 | 6 |

A screen reader announces the second cell of the last row as "Visitors, 95", which only works because the header row exists.

- One table, one subject.
- Short headers: they are repeated for every cell.
`,

  'Forms that work without JavaScript': `A form is how a page asks its reader something. Built from plain HTML, it works on every browser, with or without JavaScript, because the browser itself sends what was typed to the server.

${F}html
<form method="post" action="/subscribe">
  <label for="email">Your email</label>
  <input id="email" name="email" type="email" required>
  <button type="submit">Subscribe</button>
</form>
${F}

## Three rules

1. Every input has a \`<label>\` whose \`for\` matches the input's \`id\`: tapping the label focuses the field, and screen readers read it out.
2. Pick the right \`type\`: \`email\`, \`tel\` and \`number\` bring up the right keyboard on phones.
3. When the server refuses something, it sends the form back **with what was typed**, and says what to fix next to the field.

| Attribute | What it does |
|-----------|--------------|
| \`required\` | the browser will not send the form while the field is empty |
| \`maxlength\` | limits how much can be typed |
| \`autocomplete\` | lets the browser fill in known values |

Try it: switch JavaScript off in your browser's settings and use this site. Every form still works, because each one is plain HTML posting to the server.
`,

  'Images that load fast': `Images are usually the heaviest part of a page. Three habits keep them light and stop the page from jumping about as they arrive.

${F}html
<img src="shop-640.webp" width="640" height="360" alt="The shop's front window" loading="lazy">
${F}

- **Width and height**: the browser reserves the space before the image arrives, so the text does not move.
- **\`loading="lazy"\`**: images further down the page load only when the reader scrolls near them.
- **Small files**: resize to the size shown, and save as WebP.

| Format | Same photo | Good for |
|--------|-----------:|----------|
| PNG | 410 KB | screenshots, diagrams |
| JPEG | 95 KB | photos |
| WebP | 48 KB | photos and diagrams |

Always write an \`alt\` text that says what the image *shows*, as you would describe it over the phone.
`,

  'Selectors and the cascade': `CSS rules pick elements with **selectors**, then set properties on them. When two rules disagree, the browser follows the *cascade* to decide which one wins.

${F}css
p { color: #333; }
.note { color: #0b5cad; }
#warning { color: #b3261e; }
${F}

## Who wins

1. A rule marked \`!important\` (use almost never).
2. The more *specific* selector: an id beats a class, a class beats a tag name.
3. If they are equally specific, the rule written **last**.

| Selector | Picks | Specificity |
|----------|-------|-------------|
| \`p\` | every paragraph | low |
| \`.note\` | elements with \`class="note"\` | medium |
| \`#warning\` | the one element with \`id="warning"\` | high |

Prefer classes: they are specific enough, and easy to reuse.
`,

  'Layouts for small screens': `Start with the smallest screen, 320 pixels wide, and add columns only when there is room. A page that works on a small phone works everywhere.

${F}css
.cards {
  display: grid;
  gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
}
${F}

That one rule gives one column on a phone, two on a tablet and three or four on a desktop, with no media query at all.

- **Flexbox** arranges things in one line (a row of buttons, a header).
- **Grid** arranges things in rows *and* columns (cards, a page layout).

| Screen | Width | Columns above |
|--------|------:|--------------:|
| Small phone | 320 px | 1 |
| Tablet | 768 px | 2 |
| Laptop | 1280 px | 4 |

Test by making your browser window narrow: nothing should need a sideways scroll.
`,

  'Cells, rows and columns': `A spreadsheet is a grid. Columns have letters, rows have numbers, and each cell has an address made of both: **B3** is column B, row 3.

## Moving around quickly

| Key | Does |
|-----|------|
| Enter | moves down one cell |
| Tab | moves right one cell |
| Ctrl + arrow | jumps to the edge of the data |
| Ctrl + Z | undoes the last change |

## One kind of thing per column

- Column A: the date of the sale.
- Column B: the item.
- Column C: the amount, as a number.

Keep words and numbers apart: "12 boxes" in a cell is text, and cannot be added up. Write \`12\` in one column and "boxes" in the column's header.

${F}
A1: Date      B1: Item     C1: Amount
A2: 3 March   B2: Tea      C2: 2.50
${F}
`,

  'Your first formulas': `A formula starts with \`=\` and calculates from other cells. When those cells change, the answer updates by itself.

${F}
=SUM(C2:C31)        the total of the month's sales
=AVERAGE(C2:C31)    the average sale
=C2*1.16            one sale with 16 % tax
${F}

## Relative references

When you copy \`=B2*C2\` from row 2 down to row 3, it becomes \`=B3*C3\`: references move with the formula. That is what lets you write a formula once and fill it down a whole column.

| Formula | Copied one row down |
|---------|---------------------|
| \`=B2*C2\` | \`=B3*C3\` |
| \`=B2*$F$1\` | \`=B3*$F$1\` (the \`$\` keeps F1 fixed) |

- Use \`$\` for a value every row shares, like a tax rate in one cell.
- Click a cell to see its formula in the bar above the grid.
`,

  'A daily sales log': `A sales log answers "how is the shop doing?" only if every sale is written the same way, the moment it happens.

## One row per sale

- the **date**, as a real date (not "Monday");
- the **item**, spelled the same way every time;
- the **quantity** and the **amount**, as numbers without currency signs.

| Date | Item | Qty | Amount |
|------|------|----:|-------:|
| 3 Mar | Tea | 2 | 5.00 |
| 3 Mar | Cake | 1 | 3.50 |
| 4 Mar | Tea | 1 | 2.50 |

## Totals that update themselves

${F}
=SUM(D:D)                       all sales ever
=SUMIF(B:B, "Tea", D:D)         sales of tea only
${F}

> Tidy data first, formulas second: most spreadsheet problems are data written three different ways.
`,

  'Filtering and sorting': `Once your sales log has a few hundred rows, filters and sorting find answers in seconds.

1. Click any cell inside your data.
2. Choose **Data → Filter**: a small arrow appears in each header.
3. Use the arrow on *Item* to show only tea, or on *Amount* to sort from largest to smallest.

Sorting changes the order of rows; filtering only hides rows for a while. Neither deletes anything.

| Question | Use |
|----------|-----|
| What sold most this week? | filter by date, sort by amount |
| Which days were quiet? | sort by total, smallest first |
| How much tea did we sell? | filter by item, read the total at the bottom |

${F}
=SUBTOTAL(9, D2:D500)    a total that counts only the rows left visible by a filter
${F}

- Always select the whole table before sorting, or rows get mixed up.
`,

  'Charts that tell a story': `A chart should answer one question at a glance. Pick the chart from the question, not from the menu.

| Question | Chart |
|----------|-------|
| How did sales change over time? | line |
| Which item sells most? | bar, sorted |
| What share is each item of the total? | bar (pie charts are hard to read) |

## Keep it honest

- Start the value axis at zero for bar charts.
- Label the axes, with units.
- One message per chart, written as its title: "Tea sales doubled in March".

${F}
Select the table → Insert → Chart → Line
${F}

A chart that needs a paragraph to explain it is usually the wrong chart.
`,

  'Python and notebooks': `A notebook mixes notes, code and results on one page, which makes it a good place to explore data. Any computer from the last ten years runs one comfortably.

${F}sh
python3 -m venv analysis
source analysis/bin/activate
pip install pandas matplotlib jupyterlab
jupyter lab
${F}

## What you installed

| Package | For |
|---------|-----|
| pandas | tables of data: load, clean, summarise |
| matplotlib | charts |
| jupyterlab | the notebook, in your browser |

- Run a cell with **Shift + Enter**.
- Restart and run everything from the top before you trust a result.

If your computer is slow, close other programs while the notebook runs: pandas keeps the whole table in memory, and a few hundred thousand rows need about a gigabyte.
`,

  'Reading CSV files': `CSV files are tables saved as plain text: one line per row, commas between the values. pandas reads them in one line.

${F}python
import pandas as pd

sales = pd.read_csv("sales.csv", parse_dates=["date"])
sales.head()       # the first five rows
sales.info()       # column names, types and missing values
${F}

## Look before you analyse

1. How many rows and columns are there?
2. Are the numbers really numbers, and the dates really dates?
3. Which columns have gaps?

| Method | Tells you |
|--------|-----------|
| \`sales.shape\` | (rows, columns) |
| \`sales.describe()\` | count, mean, min and max of each number column |
| \`sales["item"].value_counts()\` | how often each item appears |

Most surprises in an analysis come from a first look that was skipped. Five minutes here saves an afternoon later.
`,

  'Missing values': `Real data has gaps: a sale with no amount, a customer with no city. pandas shows them as \`NaN\`.

${F}python
sales.isna().sum()                 # gaps per column
sales[sales["amount"].isna()]      # the rows with no amount
${F}

## Decide, don't guess

| If the gap means… | Then |
|-------------------|------|
| the value was never recorded | drop the row, and say so in your report |
| zero | fill it: \`sales["discount"].fillna(0)\` |
| unknown, but the row matters | keep it, and leave that column out of averages |

- Count the gaps *before* and *after* cleaning, and write both numbers down.
- Never fill gaps with the average just to make a chart look complete.

Whatever you decide, the report should say it in one sentence, so that the reader knows what the numbers include.
`,

  'Types and dates': `Numbers stored as text cannot be added, and dates written in three formats cannot be sorted. Fix types first.

${F}python
sales["amount"] = pd.to_numeric(sales["amount"].str.replace(",", "."), errors="coerce")
sales["date"] = pd.to_datetime(sales["date"], format="%d/%m/%Y")
${F}

| Looks like | Really is | Fix |
|------------|-----------|-----|
| "2,50" | text with a decimal comma | replace the comma, then \`to_numeric\` |
| "03/04/2026" | 3 April or 4 March? | give the format explicitly |
| "12 boxes" | text | split the number from the unit |

- \`errors="coerce"\` turns what cannot be read into \`NaN\`: then count those rows.

Run \`sales.info()\` again after fixing types: every column should now say \`float64\`, \`int64\` or \`datetime64\` where you expect numbers and dates.
`,

  'Joining tables': `Often the answer needs two tables: sales in one, item prices or categories in another. \`merge\` joins them on a shared column.

${F}python
items = pd.read_csv("items.csv")            # item, category, cost
report = sales.merge(items, on="item", how="left")
${F}

| \`how=\` | Keeps |
|---------|-------|
| \`"inner"\` | only rows found in both tables |
| \`"left"\` | every sale, with item details where they exist |
| \`"outer"\` | everything from both |

- After a join, check the number of rows: a jump means the key was not unique.
- Rows with no match show \`NaN\` in the new columns: look at them, they are often typos.

Joins are where most silent mistakes happen in an analysis. Checking the row count after each one takes a second and catches nearly all of them.
`,

  'Group and summarise': `\`groupby\` answers "per something" questions: sales per item, per day, per region.

${F}python
per_item = sales.groupby("item")["amount"].agg(["count", "sum", "mean"]).sort_values("sum", ascending=False)
${F}

| item | count | sum | mean |
|------|------:|----:|-----:|
| Tea | 412 | 1030.00 | 2.50 |
| Cake | 150 | 525.00 | 3.50 |

## Pivot tables

${F}python
sales.pivot_table(index="item", columns=sales["date"].dt.month, values="amount", aggfunc="sum")
${F}

- One question per table; name the result so the next cell reads like a sentence.

Sorting the result by the number you care about (here, the sum) puts the answer in the first row, where the reader looks first.
`,

  'Finding outliers': `An outlier is a value far from the rest: a sale of 5000 in a shop whose sales are about 5. It may be a typo, or the most interesting row in the file.

${F}python
q1, q3 = sales["amount"].quantile([0.25, 0.75])
limit = q3 + 1.5 * (q3 - q1)
sales[sales["amount"] > limit]
${F}

## What to do with one

1. Look at the whole row: date, item, who entered it.
2. If it is clearly a typo (5000 for 5.00), fix it and note the fix.
3. If it is real, keep it, and consider reporting the median instead of the mean.

| Measure | With the outlier | Without |
|---------|-----------------:|--------:|
| mean | 14.90 | 2.95 |
| median | 2.50 | 2.50 |

The median barely moves while the mean jumps five times over: that is why a report about typical sales should use the median.
`,

  'Charts with matplotlib': `matplotlib draws the chart; you choose what it says. Start from the question, then pick line, bar or scatter.

${F}python
import matplotlib.pyplot as plt

daily = sales.groupby(sales["date"].dt.date)["amount"].sum()
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(daily.index, daily.values)
ax.set_title("Daily sales, March")
ax.set_ylabel("Sales ($)")
fig.savefig("daily-sales.png", dpi=100)
${F}

| Chart | Shows |
|-------|-------|
| \`ax.plot\` | change over time |
| \`ax.barh\` | comparison between items (horizontal bars fit long names) |
| \`ax.scatter\` | whether two numbers move together |

- Title every chart with its message.
- Save at a modest size: a 100 KB image travels well, a 4 MB one does not.

Show the chart to someone who has not seen the data. If they cannot tell you its message in ten seconds, change the chart, not the person.
`,

  'Writing up your findings': `A manager reads the first paragraph and looks at one chart. Put the answer there.

## A one-page report

1. **The answer**, in one sentence: "Tea brings 60 % of revenue; cake sells best on Fridays."
2. **One chart** that shows it.
3. **What to do**: one or two recommendations.
4. **How you know**: the data, its dates, what you cleaned and why.

| Section | Length |
|---------|--------|
| Answer | 1 sentence |
| Chart | 1 |
| Recommendations | 2-3 bullet points |
| Method | 1 short paragraph |

${F}
Data: sales.csv, 1-31 March, 2 310 rows; 14 rows without an amount were left out.
${F}

- Round numbers to what matters: "about 1 000", not "1 003.27".

Send the report with the notebook attached, so anyone who doubts a number can see exactly how it was made.
`,
};

/** A small attached file for the first demo lesson: plain text, made here, stored like an upload. */
export const DEMO_ATTACHMENT = {
  lessonTitle: 'Your first HTML file',
  fileName: 'html-cheat-sheet.txt',
  contentType: 'text/plain; charset=utf-8',
  body: `HTML cheat sheet (Web Basics on Any Connection)

<!doctype html>          first line of every page
<html lang="en">         the whole page, in English
<head> ... </head>       facts about the page: <title>, <meta charset="utf-8">
<body> ... </body>       what people see

<h1> ... <h6>            headings, most to least important
<p>                      a paragraph
<a href="URL">text</a>   a link
<img src="x.webp" width="640" height="360" alt="what it shows" loading="lazy">
<ul><li>                 a list (use <ol> when order matters)
<table><tr><th>/<td>     a table of data, with a header row

Save as index.html, open it in your browser, change, save, reload.
`,
};
