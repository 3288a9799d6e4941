//! The DPO console end to end: every page's HTML over real HTTP against a
//! real server (`pages`), and the main journeys in headless Chromium over
//! WebDriver with an accessibility check of every page (`browser`).

mod browser;
mod calendar;
mod mail;
mod pages;
mod signin;
