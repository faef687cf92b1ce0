"""Stage 5, articles → image prompts: one featured and N in-article prompts, charged per prompt."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pressrun.ai.base import ArticleDraft, ImagePromptDraft, WritingProfile
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Content, ImagePrompt
from pressrun.models.content import ContentStatus, ImageKind
from pressrun.services.site_config import writing_profile
from pressrun.stages.common import (
    WHOLE,
    ItemWriter,
    Retry,
    Share,
    StageDeps,
    count_waiting,
    in_share,
    record_failure,
    run_item_batch,
    share_of,
    waiting,
)

STAGE = 5


def _awaiting_prompts(site_id: int, retry: Retry) -> list[sa.ColumnElement[bool]]:
    """Drafts without prompts: never tried, or failed and due another try."""
    return [
        col(Content.site_id) == site_id,
        col(Content.status) == ContentStatus.DRAFT,
        col(Content.image_prompts_done).is_(False),
        waiting(Content, col(Content.attempts) == 0, col(Content.error).is_not(None), retry),
    ]


def pending_content(session: Session, site_id: int, share: Share, retry: Retry) -> int:
    return count_waiting(session, Content, *_awaiting_prompts(site_id, retry), share=share)


def _load(
    session: Session, site_id: int, limit: int, retry: Retry, share: Share = WHOLE
) -> list[tuple[int, ArticleDraft]]:
    rows = session.exec(
        select(Content)
        .where(*_awaiting_prompts(site_id, retry), *in_share(col(Content.id), share))
        .order_by(col(Content.id))
        .limit(limit)
    ).all()
    return [
        (
            c.id or 0,
            ArticleDraft(
                title=c.title,
                body=c.body,
                meta_description=c.meta_description,
                slug=c.slug or "article",
            ),
        )
        for c in rows
    ]


_Article = tuple[int, ArticleDraft]


class _PromptWriter(ItemWriter[_Article, list[ImagePromptDraft], Content]):
    output_type = list[ImagePromptDraft]

    def key(self, item: _Article) -> int:
        return item[0]

    def claim(self, session: Session, item: _Article) -> Content | None:
        return session.exec(
            select(Content).where(
                col(Content.id) == item[0], *_awaiting_prompts(self.req.site_id, self.retry)
            )
        ).first()

    def fail(self, row: Content, error: str) -> None:
        # Not done: the draft keeps waiting for its prompts, and a later run tries again.
        record_failure(row, error, self.req.run_id)

    def store(
        self,
        session: Session,
        row: Content,
        item: _Article,
        output: list[ImagePromptDraft],
        result: BatchResult,
    ) -> None:
        positions = {ImageKind.FEATURED: 0, ImageKind.IN_ARTICLE: 0}
        for draft in output:
            kind = ImageKind(draft.kind)
            session.add(
                ImagePrompt(
                    site_id=self.req.site_id,
                    content_id=row.id or 0,
                    run_id=self.req.run_id,
                    kind=kind,
                    position=positions[kind],
                    prompt=draft.prompt,
                    alt_text=draft.alt_text,
                )
            )
            positions[kind] += 1
            result.created += 1
            result.credits += self.price
        row.image_prompts_done = True
        row.error = None


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    price = deps.settings.prices.image_prompt
    in_article = deps.settings.in_article_images
    model = deps.settings.model_for(STAGE, testing=req.use_testing)
    retry = Retry.of(deps, req)

    profile: list[WritingProfile] = []

    def load(session: Session) -> list[_Article]:
        profile[:] = [writing_profile(session, req.site_id)]
        return _load(session, req.site_id, req.limit, retry, share_of(req))

    async def call(item: _Article) -> list[ImagePromptDraft]:
        prompts = await deps.provider.image_prompts(
            item[1], in_article=in_article, model=model, profile=profile[0]
        )
        featured = [p for p in prompts if p.kind == "featured"][:1]
        inline = [p for p in prompts if p.kind == "in_article"][:in_article]
        return featured + inline

    return await run_item_batch(
        deps,
        req,
        load=load,
        call=call,
        cost=lambda o: price * len(o),
        writer=_PromptWriter(req, price, pending_content, retry),
        describe=lambda r: (
            f"Created {r.created} image prompts for {r.processed} articles"
            + (f", {r.failed} failed" if r.failed else "")
        ),
    )
