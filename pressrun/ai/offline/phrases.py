"""The offline writer's words: every sentence, heading, title and style template it fills."""

from __future__ import annotations

from dataclasses import dataclass

# --- articles -----------------------------------------------------------------------------
# Slots: {kw} a keyword as a noun phrase (rotated through the brief's on-topic keywords that have
# one), {q} a question-shaped keyword as asked ("Why are my tomato leaves yellow?"), {query} the
# target keyword as typed, {topic} its noun phrase, {heading} the current H2 and {sub} the
# current H3, both as mid-sentence noun phrases. Every sentence an article can open, close or
# H3 with names something of its own brief, so none reads as site-wide boilerplate.

INTRO_SENTENCES = (
    'If you have been searching for "{query}", you are in good company: it is one of the most '
    "common questions people have.",
    "This article walks through {topic} step by step, from the basics to the details that are "
    "easy to miss.",
    "Most advice about {topic} is either too vague or too technical, so the aim here is the "
    "practical middle ground.",
    "By the end you should know what matters, what can wait, and where {kw} fits into the "
    "bigger picture.",
    "The focus stays on decisions about {topic} you can act on this week rather than on theory.",
    "Whether you are new to {kw} or tidying up an existing routine, the same few principles apply.",
    "Success with {topic} is mostly a matter of a few good habits, and this guide covers them.",
    "Along the way you will see how {kw} shapes the results you get.",
)

# Sentences for a paragraph; those without a slot are only ever written after a lead below.
BODY_SENTENCES = (
    "The simplest approach to {heading} is usually the one that lasts.",
    "Start by writing down what you already know about {kw}; the gaps become easier to spot.",
    "A common pattern is to overthink {kw} at the start and then skip the follow-through.",
    "It helps to treat this as a habit rather than a one-off task.",
    "Small, consistent adjustments tend to beat dramatic changes here.",
    "Change one variable at a time when something feels unclear, and note what happens.",
    "People who get good results with {kw} usually keep a short record of what they tried.",
    "There is no single right answer, but there are a few reliable defaults worth knowing.",
    "Keep an eye on the details, because {kw} is where small mistakes quietly add up.",
    "Make sure this part is in place before moving on; everything after it builds on it.",
    "Decide what you want to achieve first, then choose the method that fits that goal.",
    "The trade-off is usually between convenience and control, and both have their place.",
    "A quick review every few weeks is enough to catch most problems early.",
    "Budget, time and experience all shape how far you need to go with {kw}.",
    "A good-enough setup today beats a perfect plan that never starts.",
    "Look for signs that something is working, not only for signs of trouble.",
    "It becomes much easier to experiment with {kw} once the routine feels natural.",
    "It is worth comparing two or three options side by side before you commit.",
    "Experienced people rarely rely on memory here; a simple checklist does the remembering.",
    "The numbers matter less than the trend, so compare this month with the last one.",
    "Ask yourself which part of {kw} you would struggle to explain to a friend.",
    "This is also where {topic} connects with {kw}, which is easy to overlook at first.",
    "Write down the one change you will make, and give it a fair trial before judging it.",
    "Most setbacks here come from rushing, so allow more time than you think you need.",
    "A useful test for {kw} is whether you could repeat the result next week.",
    "The best time to adjust {kw} is right after you notice a change, not weeks later.",
    "Many guides treat {kw} as an afterthought, yet it often decides the outcome.",
    "Good results with {kw} rarely need expensive equipment; they need attention.",
    "If {kw} seems to stall, go back one step and check what changed.",
    "Think of {kw} as a set of small decisions rather than one big one.",
    "It is easier to judge {kw} with a before-and-after comparison than from memory.",
    "Friends and forums can help with {kw}, but test their advice before adopting it.",
    "Expect the first attempts at {kw} to be uneven; that is normal and useful.",
    "One honest look at how you handle {kw} today is worth more than a new plan.",
    "The same rule applies to {heading}: fix the basics before the refinements.",
    "Most of what people get wrong about {heading} comes from skipping a step.",
    "Clear goals make {topic} easier to measure, and what gets measured gets better.",
    "A little preparation goes a long way, especially when time is short.",
    "Simple tools used well beat clever tools used occasionally.",
    "Write the steps down once; after that, the routine mostly runs itself.",
    "Progress is easier to see when you keep the conditions the same from one try to the next.",
    "Doing less, but doing it every time, is usually the better bargain.",
    "Two pieces of advice that conflict are best tried on a small scale, keeping the winner.",
    "Patience matters here, because some changes take a while to show.",
)

# Leads written before a body sentence (always before one without a slot), its first letter
# then lowercased: the leads that name the brief's keyword keep those sentences its own.
LEADS = (
    "With {kw}, ",
    "When it comes to {kw}, ",
    "As far as {kw} goes, ",
    "For {topic}, ",
    "In the case of {kw}, ",
    "Where {kw} is concerned, ",
    "With {topic} in mind, ",
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

# Sentences for a question-shaped keyword ({q}), which has no noun phrase to put in the others.
QUESTION_SENTENCES = (
    'A question that comes up again and again is "{q}", and the answer starts with a few '
    "simple checks.",
    'If you are asking "{q}", start with the most common explanation before the rare ones.',
    'The answer to "{q}" is rarely a single cause, so look at the whole picture.',
    'Anyone asking "{q}" should note when the problem started and what changed just before.',
    'Keep "{q}" in mind while reading this part; much of the answer is here.',
    'People who ask "{q}" usually need one clear next step more than a long list.',
)

# H3 openers; {sub} always names a keyword.
SUB_SENTENCES = (
    "This part is about {sub}, which deserves more attention than it usually gets.",
    "When thinking about {sub}, a few concrete steps help more than general advice.",
    "Looking at {sub} early saves rework later on.",
    "With {sub}, the goal is clarity: know what you are doing and why.",
    "A practical way into {sub} is to start with the part you can control.",
    "It pays to get {sub} right before anything else.",
    "Here the focus is on {sub}, one step at a time.",
)

CLOSING_SENTENCES = (
    "In the end, {topic} does not have to be complicated.",
    "Pick one idea about {topic} from this article and try it this week.",
    "Come back to {kw} once the basics are settled; it makes more sense with some experience.",
    "With {topic}, progress comes from repetition, not from reading one more guide.",
    "Keep notes on {kw}, stay patient, and adjust as you learn what works for you.",
    "If {kw} still feels like a lot, start with the smallest step in this guide.",
    "The next time {topic} comes up, you will know where to begin.",
)

# (H3 heading, the same idea as a mid-sentence noun phrase); every phrase names the keyword.
SUBHEADINGS = (
    ("Why it matters", "the reasons {kw} matters"),
    ("Getting started with {kw}", "the first steps with {kw}"),
    ("Common pitfalls", "the common pitfalls with {kw}"),
    ("Tools and resources", "the tools and resources for {kw}"),
    ("A quick example", "a worked example of {kw}"),
    ("What to check first", "the first things to check with {kw}"),
    ("Where {kw} fits in", "the place of {kw} in the bigger picture"),
    ("A closer look at {kw}", "the finer points of {kw}"),
    ("Questions people ask about {kw}", "the questions people ask about {kw}"),
    ("Signs that {kw} is working", "the signs of progress with {kw}"),
    ("Making {kw} a habit", "the habit of {kw}"),
    ("Next steps", "the next steps with {kw}"),
)

# The H3 for a question-shaped keyword: the question itself, then as a noun phrase.
QUESTION_SUBHEADING = ("{q}", 'the question "{q}"')

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

# Styles for the prompt. Every one is an illustration, and the alt text says so: what the offline
# provider draws for any prompt is an abstract landscape (see images.py), never a photograph.
IMAGE_STYLES = (
    "flat vector illustration, muted palette, generous negative space",
    "isometric illustration, clean lines, soft shadows",
    "watercolour illustration, warm tones, textured paper",
    "paper-cut illustration, layered shapes, soft gradients",
)
# What the alt text calls the picture.
IMAGE_ALT_LABEL = "Abstract landscape illustration"


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

# What follows a question-shaped keyword, asked as the title, for each angle.
QUESTION_TITLES = {
    "guide": "A Complete Guide",
    "comparison": "The Options Compared",
    "checklist": "A Checklist",
    "mistakes": "Mistakes to Avoid",
    "faq": "Answers to Common Questions",
    "how-to": "Step by Step",
    "tools": "Tools That Help",
    "budget": "On a Budget",
    "myths": "Myths and Facts",
    "example": "A Worked Example",
    "advanced": "Advanced Tips",
}
