"""The offline writer's words: every sentence, heading, title and style template it fills."""

from __future__ import annotations

from dataclasses import dataclass

# --- articles -----------------------------------------------------------------------------
# Slots: {kw} a keyword as a noun phrase (rotated through the brief's keywords), {query} the
# target keyword as typed, {topic} its noun phrase, {heading} the current H2 and {sub} the
# current H3, both as mid-sentence phrases.

INTRO_SENTENCES = (
    "If you have been searching for {query}, you are in good company: it is one of the most "
    "common questions people have.",
    "This article walks through {topic} step by step, from the basics to the details that are "
    "easy to miss.",
    "Most advice about {topic} is either too vague or too technical, so the aim here is the "
    "practical middle ground.",
    "By the end you should know what matters, what can wait, and where {kw} fits into the "
    "bigger picture.",
    "The focus stays on decisions you can act on this week rather than on theory.",
    "Whether you are starting from scratch or tidying up an existing routine, the same few "
    "principles apply.",
)

BODY_SENTENCES = (
    "When it comes to {heading}, the simplest approach is usually the one that lasts.",
    "Start by writing down what you already know about {kw}; the gaps become easier to spot.",
    "A common pattern is to overthink {kw} at the start and then skip the follow-through.",
    "It helps to treat this as a habit rather than a one-off task.",
    "Small, consistent adjustments tend to beat dramatic changes here.",
    "If something feels unclear, change one variable at a time and note what happens.",
    "People who get good results with {kw} usually keep a short record of what they tried.",
    "There is no single right answer, but there are a few reliable defaults worth knowing.",
    "Keep an eye on the details, because {kw} is where small mistakes quietly add up.",
    "Before moving on, make sure this part is in place; everything after it builds on it.",
    "Decide what you want to achieve first, then choose the method that fits that goal.",
    "The trade-off is usually between convenience and control, and both have their place.",
    "A quick review every few weeks is enough to catch most problems early.",
    "Budget, time and experience all shape how far you need to go with {kw}.",
    "For most readers, a good-enough setup today beats a perfect plan that never starts.",
    "Look for signs that something is working, not only for signs of trouble.",
    "Once the routine feels natural, it becomes much easier to experiment with {kw}.",
    "It is worth comparing two or three options side by side before you commit.",
    "Experienced people rarely rely on memory here; a simple checklist does the remembering.",
    "The numbers matter less than the trend, so compare this month with the last one.",
    "Ask yourself which part of {kw} you would struggle to explain to a friend.",
    "This is also where {topic} connects with {kw}, which is easy to overlook at first.",
    "Write down the one change you will make, and give it a fair trial before judging it.",
    "Most setbacks here come from rushing, so allow more time than you think you need.",
)

SUB_SENTENCES = (
    "This part is about {sub}, which deserves more attention than it usually gets.",
    "When thinking about {sub}, a few concrete steps help more than general advice.",
    "Looking at {sub} early saves rework later on.",
    "With {sub}, the goal is clarity: know what you are doing and why.",
    "A practical way into {sub} is to start with the part you can control.",
)

CLOSING_SENTENCES = (
    "In the end, {topic} does not have to be complicated.",
    "Pick one idea from this article and try it this week.",
    "Come back to {kw} once the basics are settled; it makes more sense with some experience.",
    "Progress comes from repetition, not from reading one more guide.",
    "Keep notes, stay patient, and adjust as you learn what works for you.",
)

CONNECTORS = (
    "In practice, ",
    "That said, ",
    "As a rule, ",
    "On top of that, ",
    "Just as important, ",
    "In many cases, ",
    "Over time, ",
)

# (H3 heading, the same idea as a mid-sentence phrase)
SUBHEADINGS = (
    ("Why it matters", "why this matters"),
    ("Getting started with {kw}", "getting started with {kw}"),
    ("Common pitfalls", "the common pitfalls"),
    ("Tools and resources", "tools and resources"),
    ("A quick example", "a worked example"),
    ("What to check first", "what to check first"),
    ("Where {kw} fits in", "where {kw} fits in"),
    ("A closer look at {kw}", "a closer look at {kw}"),
    ("Questions people ask about {kw}", "the questions people ask about {kw}"),
    ("Signs that {kw} is working", "how to tell that {kw} is working"),
    ("Making {kw} a habit", "making {kw} a habit"),
    ("Next steps", "the next steps"),
)

DEFAULT_OUTLINE = (
    "What {topic} really involves",
    "Why {topic} matters",
    "Getting started with {topic}",
    "{Kw}: what to know",
    "Common mistakes to avoid",
    "Tools and resources",
    "A simple plan to follow",
    "Frequently asked questions",
)

# (template with {query} first and {points}, fallback without points); sentence-cased after.
META_TEMPLATES = (
    ("{query}: {points}, explained in plain language.", "{query}, explained in plain language."),
    ("{query}: a clear guide to {points}.", "{query}: a clear, practical guide."),
    (
        "{query}: a practical guide covering {points}.",
        "{query}: a practical guide with clear steps and the mistakes to avoid.",
    ),
)

# Sentences added, in a hashed order, to a description still under the minimum length.
META_ADDENDA = (
    "Learn what matters first.",
    "Clear steps, no jargon.",
    "Includes the mistakes to avoid.",
    "With tips you can use today.",
    "Written for beginners and beyond.",
    "See what to do, and why.",
)

# --- image prompts ------------------------------------------------------------------------

# (style for the prompt, what the alt text calls the picture)
IMAGE_STYLES = (
    ("editorial photograph, soft natural light, shallow depth of field", "Photo"),
    ("flat vector illustration, muted palette, generous negative space", "Flat illustration"),
    ("isometric illustration, clean lines, soft shadows", "Isometric illustration"),
    ("watercolour illustration, warm tones, textured paper", "Watercolour illustration"),
)


# --- ideas --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Angle:
    """One way to write about a keyword. Slots: {kw}/{Kw} the keyword as a noun phrase, {n} a
    small number."""

    key: str
    titles: tuple[str, ...]
    brief: str
    outline: tuple[str, ...]


ANGLES: tuple[Angle, ...] = (
    Angle(
        "guide",
        ("The Complete Guide to {Kw}", "{Kw}: A Practical Guide"),
        "A thorough, beginner-friendly guide to {kw}: what it involves, why it matters and how "
        "to get it right.",
        (
            "What {kw} actually involves",
            "Why {kw} matters",
            "How to get started",
            "A step-by-step walkthrough",
            "Common mistakes to avoid",
            "Where to go next",
        ),
    ),
    Angle(
        "comparison",
        ("{Kw}: Comparing the Main Options", "{Kw} Compared: Which Approach Fits You?"),
        "A side-by-side comparison of the main approaches to {kw}, with the trade-offs spelled "
        "out and a clear recommendation for each type of reader.",
        (
            "The options at a glance",
            "How the options were compared",
            "Strengths and weaknesses",
            "Which option suits which reader",
            "The verdict",
        ),
    ),
    Angle(
        "checklist",
        ("A {n}-Point Checklist for {Kw}", "The {Kw} Checklist You Can Actually Use"),
        "A practical checklist for {kw} that readers can work through in one sitting, from the "
        "essentials to the refinements.",
        (
            "Before you start",
            "The essentials of {kw}",
            "Details that are easy to miss",
            "Reviewing the results",
            "A printable summary",
        ),
    ),
    Angle(
        "mistakes",
        ("{n} Mistakes to Avoid with {Kw}", "Common Mistakes with {Kw} and What to Do Instead"),
        "The mistakes people make most often with {kw}, why they happen and what to do instead.",
        (
            "Why these mistakes are so common",
            "Mistakes when getting started",
            "The mistakes that cost the most",
            "Recovering from a bad start",
            "A simple routine to stay on track",
        ),
    ),
    Angle(
        "faq",
        ("{Kw}: Answers to the Most Common Questions", "What People Ask Most About {Kw}"),
        "Clear, direct answers to the questions people ask most about {kw}, in the order a "
        "newcomer would ask them.",
        (
            "The basics of {kw}",
            "Costs, time and effort",
            "What beginners get wrong",
            "How to tell it is working",
            "Where to learn more",
        ),
    ),
    Angle(
        "how-to",
        ("Getting Started with {Kw} in {n} Steps", "{Kw} Step by Step for Beginners"),
        "A step-by-step walkthrough of {kw} for complete beginners, one clear action per step.",
        (
            "What you need before you begin",
            "Step one: set a clear goal",
            "Step two: build the basic routine",
            "Step three: measure and adjust",
            "What to do once it works",
        ),
    ),
    Angle(
        "tools",
        ("The Best Tools and Resources for {Kw}", "Tools Worth Using for {Kw}, and Ones to Skip"),
        "A curated look at the tools and resources that make {kw} easier, and how to choose "
        "between them.",
        (
            "What a good tool should do",
            "Free options",
            "Paid options worth the money",
            "Choosing for your situation",
            "Setting up your toolkit",
        ),
    ),
    Angle(
        "budget",
        ("{Kw} on a Budget: What Is Worth Paying For", "{Kw} Without Overspending"),
        "How to approach {kw} on a tight budget: where spending makes a real difference and where "
        "it does not.",
        (
            "Where the money actually goes",
            "What to spend on first",
            "Savings that do not hurt results",
            "When upgrading makes sense",
            "A sample budget for {kw}",
        ),
    ),
    Angle(
        "myths",
        ("{n} Myths About {Kw} That Still Hold People Back", "{Kw}: Separating Myths from Facts"),
        "Popular myths about {kw}, where they come from and what actually holds up.",
        (
            "Where the myths come from",
            "Myths about getting started",
            "Myths about results",
            "What the evidence suggests",
            "A better way to think about {kw}",
        ),
    ),
    Angle(
        "example",
        ("{Kw} in Practice: A Worked Example", "A Real-World Example of {Kw}, Step by Step"),
        "A realistic worked example of {kw} from start to finish, showing each decision along "
        "the way.",
        (
            "The starting point",
            "The plan",
            "What happened along the way",
            "The results",
            "Lessons you can reuse",
        ),
    ),
    Angle(
        "advanced",
        ("Beyond the Basics: Advanced Tips for {Kw}", "{Kw} for Experienced Readers"),
        "Advanced advice on {kw} for readers who have the basics in place and want better results.",
        (
            "Signs you are ready for the next level",
            "Refining your routine",
            "Advanced techniques for {kw}",
            "Measuring what matters",
            "Avoiding diminishing returns",
        ),
    ),
)
