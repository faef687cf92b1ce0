"""Stage 5, articles → image prompts: one featured and N in-article prompts, charged per prompt."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, col, func, select

from pressrun.ai.base import ArticleDraft, ImagePromptDraft
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.models import Content, ImagePrompt
from pressrun.models.content import ContentStatus, ImageKind
from pressrun.stages.common import (
    WHOLE,
    Share,
    StageDeps,
    call_each,
    commit_batch,
    committed_result,
    in_share,
    read,
    share_of,
)

STAGE = 5


def _awaiting_prompts(site_id: int):  # type: ignore[no-untyped-def]
    return (
        Content.site_id == site_id,
        Content.status == ContentStatus.DRAFT,
        col(Content.image_prompts_done).is_(False),
    )


def pending_content(session: Session, site_id: int, share: Share = WHOLE) -> int:
    return session.exec(
        select(func.count())
        .select_from(Content)
        .where(*_awaiting_prompts(site_id), *in_share(col(Content.id), share))
    ).one()


def _load(
    session: Session, site_id: int, limit: int, share: Share = WHOLE
) -> list[tuple[int, ArticleDraft]]:
    rows = session.exec(
        select(Content)
        .where(*_awaiting_prompts(site_id), *in_share(col(Content.id), share))
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


async def run_batch(deps: StageDeps, req: BatchRequest) -> BatchResult:
    stored = await committed_result(deps, req)
    if stored is not None:
        return stored
    articles = await read(deps, lambda s: _load(s, req.site_id, req.limit, share_of(req)))
    if not articles:
        return BatchResult(remaining=0)
    price = deps.settings.prices.image_prompt
    in_article = deps.settings.in_article_images
    model = deps.settings.model_for(STAGE, testing=req.use_testing)

    async def call(item: tuple[int, ArticleDraft]) -> list[ImagePromptDraft]:
        prompts = await deps.provider.image_prompts(item[1], in_article=in_article, model=model)
        featured = [p for p in prompts if p.kind == "featured"][:1]
        inline = [p for p in prompts if p.kind == "in_article"][:in_article]
        return featured + inline

    outcomes, budget_reached = await call_each(
        articles, call, budget_remaining=req.budget_remaining, cost=lambda o: price * len(o)
    )

    def write(session: Session) -> BatchResult:
        result = BatchResult(budget_reached=budget_reached)
        for outcome in outcomes:
            content = session.get(Content, outcome.item[0])
            if content is None or content.image_prompts_done:
                continue
            result.processed += 1
            content.image_prompts_done = True
            if outcome.output is None:
                result.failed += 1
                continue
            positions = {ImageKind.FEATURED: 0, ImageKind.IN_ARTICLE: 0}
            for draft in outcome.output:
                kind = ImageKind(draft.kind)
                session.add(
                    ImagePrompt(
                        site_id=req.site_id,
                        content_id=content.id or 0,
                        run_id=req.run_id,
                        kind=kind,
                        position=positions[kind],
                        prompt=draft.prompt,
                        alt_text=draft.alt_text[:400],
                    )
                )
                positions[kind] += 1
                result.created += 1
        session.flush()
        result.credits = price * result.created
        result.remaining = pending_content(session, req.site_id, share_of(req))
        return result

    return await asyncio.to_thread(
        commit_batch,
        deps,
        req,
        write,
        describe=lambda r: (
            f"Created {r.created} image prompts for {r.processed} articles"
            + (f", {r.failed} failed" if r.failed else "")
        ),
    )
