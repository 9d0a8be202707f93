/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// xo-web's plugin settings form in headless Chromium (opt-in: XO_WEB_DIR, see docs/real-xo-server.md):
// sign in on xo-server's /signin page, open Settings > Plugins, expand this plugin's form, read the
// state of each boolean toggle by its title, and save a screenshot.
import puppeteer from 'puppeteer-core'

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
/** xo-web's Toggle: an icon, `xo-icon-toggle-on` or `xo-icon-toggle-off`, beside the field's title. */
const TOGGLE = 'form .input-group .xo-icon-toggle-on, form .input-group .xo-icon-toggle-off'

/** The form's toggles (title → on), as xo-web shows them for the stored configuration. */
export async function readPluginForm(
  url: string,
  credentials: { email: string; password: string },
  plugin: string,
  screenshotPath: string,
): Promise<Record<string, boolean>> {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    await page.setViewport({ width: 1400, height: 3400 })
    await page.goto(new URL('/signin', url).href, { waitUntil: 'networkidle2' })
    await page.type('input[name=username]', credentials.email)
    await page.type('input[name=password]', credentials.password)
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle2' }), page.keyboard.press('Enter')])
    await page.goto(new URL('/v5/#/settings/plugins', url).href, { waitUntil: 'networkidle2' })
    await page.waitForFunction((name: string) => [...document.querySelectorAll('h5 a')].some(link => link.textContent === name), { timeout: 60_000 }, plugin)
    await page.evaluate((name: string) => {
      const link = [...document.querySelectorAll('h5 a')].find(element => element.textContent === name)!
      const card = link.closest('.card-block')!
      ;(card.querySelector('button.btn-primary') as HTMLButtonElement).click()
    }, plugin)
    await page.waitForSelector(TOGGLE, { timeout: 30_000 })
    // The notice xo-web shows once when built from the sources would hide part of the screenshot.
    await page.evaluate(() => [...document.querySelectorAll<HTMLButtonElement>('.modal button')].find(button => button.textContent?.trim() === 'OK')?.click())
    const toggles = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('form .input-group')].flatMap(group => {
          const toggle = group.querySelector('.xo-icon-toggle-on, .xo-icon-toggle-off')
          const title = group.querySelector('.input-group-addon')?.textContent?.replace('*', '').trim()
          return toggle === null || title === undefined ? [] : [[title, toggle.classList.contains('xo-icon-toggle-on')]]
        }),
      ),
    )
    await page.screenshot({ path: screenshotPath, fullPage: true })
    return toggles
  } finally {
    await browser.close()
  }
}
