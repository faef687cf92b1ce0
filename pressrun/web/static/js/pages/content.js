// Content (/sites/{id}/content): the review queue. Read an article with its images, approve or
// reject it, edit its title and meta description, and see when it is due to publish.

import { ApiError, api, imageUrl } from '../api.js';
import { connection } from '../connection.js';
import { field, fill, h, say, setFieldError, statusRegion } from '../dom.js';
import { badge, count, inZone, statusLabel, when } from '../format.js';
import { renderMarkdown } from '../markdown.js';
import { setQuery } from '../router.js';

const FILTERS = [
  ['review', 'In review'],
  ['approved', 'Approved'],
  ['scheduled', 'Scheduled'],
  ['published', 'Published'],
  ['draft', 'Drafts'],
  ['', 'All'],
];
const PAGE_SIZE = 25;
const APPROVABLE = new Set(['draft', 'review']);
const REJECTABLE = new Set(['review', 'approved', 'scheduled']);

/** When the article is due out, and where its publication stands (read defensively: the
 * publication may come inside the article or from its own endpoint, or not at all). */
function publishSlot(item, timeZone, found = null) {
  const inline = item.publication && typeof item.publication === 'object' ? item.publication : null;
  const publication = found ?? inline;
  const at = item.publish_at ?? publication?.publish_at ?? null;
  const parts = [];
  if (at) parts.push(`${inZone(at, timeZone)} (${timeZone})`);
  else if (item.status === 'approved') parts.push('Not scheduled: Schedule gives it the next free slot');
  else if (item.status === 'published') parts.push('Published');
  else parts.push('None: only approved articles get a slot');
  if (publication?.status) parts.push(`publication ${statusLabel(publication.status).toLowerCase()}`);
  if (publication?.error) parts.push(publication.error);
  const link = publication?.remote_url ?? null;
  return { text: parts.join(' · '), link: typeof link === 'string' && /^https?:\/\//.test(link) ? link : null };
}

async function publicationOf(base, article, signal) {
  if (!article.publish_at && !['scheduled', 'published'].includes(article.status)) return null;
  try {
    return await api.get(`${base}/${article.id}/publication`, { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export async function contentPage({ site, query, signal, onDispose }) {
  const base = `/api/v1/sites/${site.id}/content`;
  const known = FILTERS.map(([value]) => value);
  const status = known.includes(query.get('status') ?? 'review') ? (query.get('status') ?? 'review') : 'review';
  let selected = query.get('item');
  const blobUrls = [];
  onDispose(() => blobUrls.forEach((url) => URL.revokeObjectURL(url)));

  // --- the queue ---------------------------------------------------------------------------
  const filter = h(
    'select',
    {
      onchange: () => {
        setQuery({ status: filter.value || 'all', item: null });
        selected = null;
        listState.offset = 0;
        loadList({ replace: true }).catch(() => {});
        fill(pane, placeholder());
      },
    },
    FILTERS.map(([value, label]) => h('option', { value, selected: value === status }, label)),
  );
  if (query.get('status') === 'all') filter.value = '';
  const list = h('ul', { class: 'queue', 'aria-label': 'Articles' });
  const listInfo = h('p', { class: 'muted' });
  const more = h('button', { type: 'button', hidden: true, onclick: () => loadList({ replace: false }) }, 'Show more');
  const listState = { offset: 0, total: 0, items: new Map() };
  const pane = h('div', { class: 'article-pane' });

  function placeholder() {
    return h('p', { class: 'muted' }, 'Choose an article to read it.');
  }

  function queueItem(item) {
    const slot = publishSlot(item, site.timezone);
    return h(
      'li',
      { 'data-id': item.id, 'data-status': item.status },
      h(
        'a',
        {
          href: `/sites/${site.id}/content?status=${filter.value || 'all'}&item=${item.id}`,
          'aria-current': String(item.id) === String(selected) ? 'true' : null,
          onclick: (event) => {
            event.preventDefault();
            open(item.id, { focus: true });
          },
        },
        h('span', { class: 'queue-title' }, item.title),
        h('span', { class: 'queue-meta' }, badge(item.status), ` ${count(item.word_count)} words`),
        item.publish_at ? h('span', { class: 'queue-slot' }, slot.text) : null,
      ),
    );
  }

  async function loadList({ replace }) {
    const body = await api.get(base, {
      query: { status: filter.value, limit: PAGE_SIZE, offset: replace ? 0 : listState.offset },
      signal,
    });
    if (replace) {
      list.replaceChildren();
      listState.items.clear();
      listState.offset = 0;
    }
    for (const item of body.items) {
      listState.items.set(String(item.id), item);
      list.append(queueItem(item));
    }
    listState.offset += body.items.length;
    listState.total = body.total;
    listInfo.textContent = body.total
      ? `${count(listState.offset)} of ${count(body.total)} shown`
      : 'No articles here.';
    more.hidden = listState.offset >= body.total;
  }

  function redrawQueueItem(item) {
    listState.items.set(String(item.id), item);
    const old = list.querySelector(`li[data-id="${item.id}"]`);
    if (old) old.replaceWith(queueItem(item));
  }

  // --- one article --------------------------------------------------------------------------
  async function open(id, { focus }) {
    selected = String(id);
    setQuery({ item: id });
    for (const link of list.querySelectorAll('a')) link.removeAttribute('aria-current');
    list.querySelector(`li[data-id="${id}"] a`)?.setAttribute('aria-current', 'true');
    pane.setAttribute('aria-busy', 'true');
    let article;
    let publication;
    try {
      article = await api.get(`${base}/${id}`, { signal });
      publication = await publicationOf(base, article, signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      pane.setAttribute('aria-busy', 'false');
      fill(pane, h('p', { class: 'error-text' }, err instanceof ApiError && err.status === 404 ? 'This article no longer exists.' : err.message));
      return;
    }
    if (selected !== String(id)) return;
    fill(pane, drawArticle(article, publication));
    pane.setAttribute('aria-busy', 'false');
    if (focus) pane.querySelector('h2')?.focus();
  }

  function drawArticle(article, publication) {
    const verdict = statusRegion();
    const slot = publishSlot(article, site.timezone, publication);
    const alts = new Map((article.image_prompts ?? []).map((p) => [p.id, p]));
    const titleInput = h('input', { type: 'text', value: article.title, maxlength: 300 });
    const metaInput = h('textarea', { rows: 3, maxlength: 300 }, article.meta_description);
    const reason = h('textarea', { rows: 2, maxlength: 2000 });
    const editable = article.status !== 'published';

    const DOING = { approve: 'Approving…', reject: 'Rejecting…', schedule: 'Scheduling…', unschedule: 'Unscheduling…' };
    const DONE = {
      approve: 'Approved.',
      reject: 'Rejected: it is back in drafts.',
      schedule: 'Scheduled.',
      unschedule: 'Unscheduled: it stays approved.',
    };

    async function act(action, body) {
      for (const b of actions.querySelectorAll('button')) b.disabled = true;
      say(verdict, DOING[action]);
      try {
        await api.post(`${base}/${article.id}/${action}`, body, { signal });
        const fresh = await api.get(`${base}/${article.id}`, { signal });
        redrawQueueItem(fresh);
        const next = drawArticle(fresh, await publicationOf(base, fresh, signal));
        fill(pane, next);
        say(next.querySelector('.verdict'), DONE[action], 'ok');
      } catch (err) {
        if (err.name === 'AbortError') return;
        say(verdict, err.message, 'error');
        for (const b of actions.querySelectorAll('button')) b.disabled = false;
      }
    }

    const actions = h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'primary', disabled: !APPROVABLE.has(article.status), onclick: () => act('approve') }, 'Approve'),
      article.status === 'approved' && !article.publish_at
        ? h('button', { type: 'button', onclick: () => act('schedule') }, 'Schedule')
        : null,
      article.status === 'scheduled' && (!publication || publication.status === 'scheduled')
        ? h('button', { type: 'button', onclick: () => act('unschedule') }, 'Unschedule')
        : null,
      h(
        'details',
        { class: 'reject' },
        h('summary', null, 'Reject…'),
        field('Reason (optional)', reason),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: !REJECTABLE.has(article.status),
            onclick: () => act('reject', reason.value.trim() ? { reason: reason.value.trim() } : undefined),
          },
          'Reject',
        ),
      ),
    );

    const saveEdit = h('button', { type: 'submit', disabled: !editable }, 'Save title and description');
    const editForm = h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          setFieldError(titleInput, null);
          setFieldError(metaInput, null);
          saveEdit.disabled = true;
          say(verdict, 'Saving…');
          try {
            const fresh = await api.patch(
              `${base}/${article.id}`,
              { title: titleInput.value, meta_description: metaInput.value },
              { signal },
            );
            redrawQueueItem(fresh);
            article = fresh;
            fill(heading, fresh.title);
            fill(metaText, fresh.meta_description);
            say(verdict, 'Title and description saved.', 'ok');
          } catch (err) {
            if (err.name === 'AbortError') return;
            const inputs = { title: titleInput, meta_description: metaInput };
            for (const e of err instanceof ApiError ? err.fieldErrors : []) {
              const control = inputs[e.loc?.[e.loc.length - 1]];
              if (control) setFieldError(control, e.msg);
            }
            say(verdict, `Not saved: ${err.message}`, 'error');
          } finally {
            saveEdit.disabled = !editable;
          }
        },
      },
      field('Title', titleInput),
      field('Meta description', metaInput, { hint: 'Up to 300 characters; search engines show it under the title.' }),
      h('div', { class: 'actions' }, saveEdit),
    );

    const heading = h('h2', { tabindex: '-1' }, article.title);
    const metaText = h('p', { class: 'meta-description' }, article.meta_description);
    const { nodes, sections } = renderMarkdown(article.body, { top: 3 });
    const body = h('div', { class: 'article-body' }, nodes);

    // Images: the featured one above the text, each in-article one after its section heading.
    const featured = h('div', { class: 'featured' });
    const images = [...(article.images ?? [])];
    for (const image of images) {
      const prompt = alts.get(image.prompt_id);
      const img = h('img', { alt: prompt?.alt_text ?? '', width: image.width, height: image.height, decoding: 'async' });
      const figure = h('figure', { class: 'article-image' }, img, prompt?.alt_text ? h('figcaption', null, prompt.alt_text) : null);
      if (prompt?.kind === 'featured') featured.append(figure);
      else {
        const anchor = sections[prompt?.position ?? sections.length];
        if (anchor) anchor.after(figure);
        else body.append(figure);
      }
      imageUrl(image.download_url, signal)
        .then((url) => {
          blobUrls.push(url);
          img.src = url;
        })
        .catch(() => {
          figure.classList.add('missing');
          img.alt = `${img.alt} (image could not be loaded)`;
        });
    }

    return h(
      'article',
      { class: 'article', 'data-id': article.id },
      heading,
      metaText,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Status'),
        h('dd', null, badge(article.status)),
        h('dt', null, 'Publish slot'),
        h('dd', { class: 'publish-slot' }, slot.text, slot.link ? [' · ', h('a', { href: slot.link, target: '_blank', rel: 'noopener noreferrer' }, 'View')] : null),
        h('dt', null, 'Words'),
        h('dd', null, count(article.word_count)),
        h('dt', null, 'Written'),
        h('dd', null, when(article.created_at), ` · ${article.generated_by}`),
        h('dt', null, 'Slug'),
        h('dd', null, h('code', null, article.slug)),
        article.error ? h('dt', null, 'Image prompts') : null,
        article.error
          ? h('dd', { class: 'error-text item-error' }, `Failed ${count(article.attempts)}×: ${article.error}`)
          : null,
        ...(article.image_prompts ?? [])
          .filter((p) => p.error)
          .flatMap((p) => [
            h('dt', null, `Image (${p.kind.replace('_', '-')})`),
            h('dd', { class: 'error-text item-error' }, `Failed ${count(p.attempts)}×: ${p.error}`),
          ]),
      ),
      actions,
      verdict,
      h('details', { class: 'edit' }, h('summary', null, 'Edit title and meta description'), editForm),
      featured,
      body,
    );
  }

  await loadList({ replace: true });
  fill(pane, placeholder());
  if (selected) await open(selected, { focus: false });
  onDispose(
    connection.onBack(() => {
      loadList({ replace: true }).catch(() => {});
    }),
  );

  return h(
    'div',
    { class: 'page wide', 'data-title': `Content · ${site.name}` },
    h('h1', null, 'Content review'),
    h('p', { class: 'subtitle' }, site.name),
    h(
      'div',
      { class: 'review' },
      h(
        'section',
        { class: 'card queue-card', 'aria-label': 'Review queue' },
        field('Show', filter),
        listInfo,
        list,
        more,
      ),
      h('section', { class: 'card', 'aria-label': 'Article' }, pane),
    ),
  );
}
