import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, safeNext, typedValues, type FieldErrors } from '../../http/forms.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo, type ColumnSpec } from '../../http/table.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { contextOf, loadTablePage, serveAdminTable, type TablePage } from '../admin/table.ts';
import { MODERATION_COLUMNS, MODERATION_STATUSES, moderationQuery, moderationRow, moderationTable, moderationTabs, type ModerationQuery, type ModerationRow } from './admin-queries.ts';
import { CATEGORY_FIELDS, createCategory, deleteCategory, findCategory, listCategories, parseCategory, updateCategory } from './categories.ts';
import { approvePost, publishPost, rejectPost, setFeatured, unpublishPost, type Decision } from './moderation.ts';

/**
 * /admin/blog (admins; mounted behind requireRole('admin')):
 * - the moderation table (the admin table: filters, sort, pages, `?format=csv`), each row decided in place: htmx swaps the row; without JavaScript a plain
 *   form answers 303 back to the table as it was (a validated `back`) with a flash;
 * - decisions are the state machine's (moderation.ts: one transaction, row lock, notification,
 *   audit); the author's mail (approve, reject) is queued by notify() and sent after the commit;
 * - a decision that no longer applies (another admin was first) answers 409 with the reason: the
 *   table with the message beside the row, or for htmx a refresh of the page that shows the flash;
 * - the categories: list and add, edit, delete.
 */

export interface BlogAdminDeps {
  db: Database;
}

const PATH = '/admin/blog';
const postParam = z.object({ postId: z.uuid() });
const categoryParam = z.object({ categoryId: z.uuid() });
const reasonInput = z.object({
  rejectionReason: z
    .string({ error: msg('Give the author a reason.') })
    .trim()
    .min(1, msg('Give the author a reason.'))
    .max(1000, msg('Keep the reason to 1,000 characters.')),
});

const ACTIONS = ['approve', 'reject', 'feature', 'unfeature', 'unpublish', 'publish'] as const;
type Action = (typeof ACTIONS)[number];
/** What a decision did: beside the row (htmx), and as the flash with the post's title (catalogue messages). */
const DONE: Record<Action, string> = {
  approve: msg('Approved and published; the author was told.'),
  reject: msg('Rejected; the author was told why.'),
  feature: msg('Featured: it shows first on the blog.'),
  unfeature: msg('No longer featured.'),
  unpublish: msg('Unpublished: it is off the blog.'),
  publish: msg('Published again.'),
};
const DONE_FLASH: Record<Action, string> = {
  approve: msg('"{title}": Approved and published; the author was told.'),
  reject: msg('"{title}": Rejected; the author was told why.'),
  feature: msg('"{title}": Featured: it shows first on the blog.'),
  unfeature: msg('"{title}": No longer featured.'),
  unpublish: msg('"{title}": Unpublished: it is off the blog.'),
  publish: msg('"{title}": Published again.'),
};

/** The table's columns with their labels in the reader's language. */
function columnsFor(res: Response): Record<string, ColumnSpec> {
  const tr = translatorOf(res);
  return Object.fromEntries(Object.entries(MODERATION_COLUMNS).map(([key, column]) => [key, { ...column, label: tr.t(column.label) }]));
}

/** `back` may only lead to this table (with its filters, sort and page). */
function tableBack(value: unknown): string | undefined {
  const path = safeNext(value, '');
  return path === PATH || path.startsWith(`${PATH}?`) ? path : undefined;
}

interface RowProblem {
  id: string;
  message?: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
}

export function blogAdminRoutes(deps: BlogAdminDeps): Router {
  const { db } = deps;
  const router = Router();

  // The moderation table (src/features/admin/table.ts: filters, sort, pages, CSV).
  const table = moderationTable(db);

  async function renderTable(res: Response, page: TablePage<ModerationQuery, ModerationRow>, problem?: RowProblem, status = 200) {
    const q = page.filter;
    const info = page.pageInfo;
    const { categories, counts } = await moderationTabs(db, q);
    const statusHref = (s: ModerationQuery['status']) => pageInfo(PATH, { ...q, status: s, page: 1 }, 0).href(1);
    render(
      res,
      'admin/blog',
      {
        title: translatorOf(res).t('Blog moderation'),
        filter: q,
        statuses: MODERATION_STATUSES,
        // The template names each tab (a status, or All for 'any').
        tabs: [...MODERATION_STATUSES, 'any' as const].map((s) => ({
          status: s,
          count: counts[s],
          href: statusHref(s),
          current: q.status === s,
        })),
        categories,
        rows: page.rows,
        columns: columnsFor(res),
        back: info.href(info.page),
        problem,
        pageInfo: info,
      },
      status,
    );
  }

  async function tablePage(res: Response, q: ModerationQuery, problem?: RowProblem, status = 200) {
    return renderTable(res, await loadTablePage(table, q, contextOf(res)), problem, status);
  }

  router.get('/', (req, res) => {
    res.vary('HX-Request');
    return serveAdminTable(req, res, table, (page) => renderTable(res, page));
  });

  // Categories (before /:postId/... so that nothing here is read as a post id).
  function categoriesPage(res: Response, form: { errors?: FieldErrors; values?: Record<string, string> } = {}, status = 200) {
    return listCategories(db).then((categories) =>
      render(res, 'admin/blog-categories', { title: translatorOf(res).t('Blog categories'), categories, errors: form.errors ?? {}, values: form.values ?? {} }, status),
    );
  }

  router.get('/categories', (_req, res) => categoriesPage(res));

  router.post('/categories', async (req, res) => {
    const values = typedValues(req.body, CATEGORY_FIELDS);
    const parsed = parseCategory(req.body);
    if (!parsed.ok) return categoriesPage(res, { errors: parsed.errors, values }, 422);
    const result = await createCategory(db, auditOf(req, res), parsed.value);
    if (!result.ok) return categoriesPage(res, { errors: result.errors, values }, 422);
    setFlash(req, 'success', msg('Category "{name}" added.'), { name: result.category.name });
    res.redirect(303, `${PATH}/categories`);
  });

  async function categoryOf(req: Request) {
    const params = categoryParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const category = await findCategory(db, params.data.categoryId);
    if (!category) throw notFound();
    return { ...category, posts: Number(category.posts ?? 0) };
  }

  router.get('/categories/:categoryId', async (req, res) => {
    const category = await categoryOf(req);
    render(res, 'admin/blog-category', {
      title: translatorOf(res).t('Edit category: {name}', { name: category.name }),
      category,
      errors: {},
      values: { name: category.name, slug: category.slug, description: category.description ?? '' },
    });
  });

  router.post('/categories/:categoryId', async (req, res) => {
    const category = await categoryOf(req);
    const values = typedValues(req.body, CATEGORY_FIELDS);
    const again = (errors: FieldErrors) =>
      render(res, 'admin/blog-category', { title: translatorOf(res).t('Edit category: {name}', { name: category.name }), category, errors, values }, 422);
    const parsed = parseCategory(req.body);
    if (!parsed.ok) return again(parsed.errors);
    const result = await updateCategory(db, auditOf(req, res), category.id, parsed.value);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return again(result.errors);
    }
    setFlash(req, 'success', msg('Category "{name}" saved.'), { name: result.category.name });
    res.redirect(303, `${PATH}/categories`);
  });

  router.post('/categories/:categoryId/delete', async (req, res) => {
    const params = categoryParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const result = await deleteCategory(db, auditOf(req, res), params.data.categoryId);
    if (!result.ok) throw notFound();
    setFlash(
      req,
      'success',
      msg('{count, plural, =0 {Category "{name}" deleted.} one {Category "{name}" deleted. Its # post stay, without a category.} other {Category "{name}" deleted. Its # posts stay, without a category.}}'),
      { name: result.name, count: result.posts },
    );
    res.redirect(303, `${PATH}/categories`);
  });

  // Decisions on one post.
  async function renderRow(res: Response, id: string, back: string | undefined, extra: { problem?: RowProblem; notice?: string }, status = 200) {
    const row = await moderationRow(db, id);
    if (!row) throw notFound();
    render(res, 'admin/_blog_row', { r: row, columns: columnsFor(res), back, problem: extra.problem, notice: extra.notice }, status);
  }

  /** The table the form came from (its `back`), with the message beside the row. */
  function tableAgain(res: Response, back: string | undefined, problem: RowProblem, status: number) {
    const url = new URL(back ?? PATH, 'http://edupeak.invalid');
    return tablePage(res, moderationQuery.parse(Object.fromEntries(url.searchParams)), problem, status);
  }

  async function decide(req: Request, res: Response, action: Action) {
    res.vary('HX-Request');
    const params = postParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const id = params.data.postId;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = tableBack(body.back);
    const htmx = isHtmx(req);
    const refuse = (problem: RowProblem, status: number) =>
      htmx ? renderRow(res, id, back, { problem }, status) : tableAgain(res, back, problem, status);

    let reason: string | undefined;
    if (action === 'reject') {
      const parsed = reasonInput.safeParse(body);
      if (!parsed.success) return refuse({ id, errors: fieldErrors(parsed.error), values: typedValues(body, ['rejectionReason']) }, 422);
      reason = parsed.data.rejectionReason;
    }
    const audit = auditOf(req, res);
    const outcome: Decision = await {
      approve: () => approvePost(db, audit, id),
      reject: () => rejectPost(db, audit, id, reason ?? ''),
      feature: () => setFeatured(db, audit, id, true),
      unfeature: () => setFeatured(db, audit, id, false),
      unpublish: () => unpublishPost(db, audit, id),
      publish: () => publishPost(db, audit, id),
    }[action]();

    if (!outcome.ok) {
      if (outcome.status === 404) throw notFound();
      if (outcome.status === 422) return refuse({ id, errors: { rejectionReason: outcome.message }, values: typedValues(body, ['rejectionReason']) }, 422);
      // 409: someone decided first. htmx does not swap a 409: the page reloads and shows the flash.
      if (htmx) {
        setFlash(req, 'warning', outcome.message);
        res.set('HX-Refresh', 'true');
      }
      return refuse({ id, message: outcome.message }, 409);
    }
    if (htmx) return renderRow(res, id, back, { notice: DONE[action] });
    setFlash(req, 'success', DONE_FLASH[action], { title: outcome.post.title });
    res.redirect(303, back ?? PATH);
  }

  for (const action of ACTIONS) router.post(`/:postId/${action}`, (req, res) => decide(req, res, action));

  return router;
}
