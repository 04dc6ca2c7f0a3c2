import { ORDER, sampleEvents } from '../../test/fixtures';
import { renderMail } from './render-mail';

describe('renderMail', () => {
  const events = sampleEvents('demo-shop');

  it('renders every handled type in Japanese with shop, order number and advice', () => {
    for (const e of Object.values(events)) {
      const mail = renderMail([e], 'ja');
      expect(mail.subject).toContain('demo-shop');
      expect(mail.subject).toContain(ORDER);
      expect(mail.text).toContain('ショップ: demo-shop');
      expect(mail.text).toContain(ORDER);
      expect(mail.text).toContain('■ 対応方法');
      expect(mail.text).toContain(e.id);
    }
  });

  it('gives buyer-action advice for a declined authorization, with Rakuten codes', () => {
    const { subject, text } = renderMail([events.AuthFailed], 'ja');
    expect(subject).toBe(`[RCP] 【オーソリエラー】demo-shop 受注番号 ${ORDER}`);
    expect(text).toContain('楽天エラーコード: RCCS_E22-822');
    expect(text).toContain('カード会社コード: 210G55');
    expect(text).toContain('楽天メッセージ: 限度額オーバーです');
    expect(text).toContain('再度オーソリを実行してください');
    expect(text).toContain('受注CSVで再取込');
    expect(text).toContain('発生日時: 2025/03/01 12:00:00 JST');
  });

  it('chooses the advice from errorClass', () => {
    const retryable = { ...events.AuthFailed, data: { ...(events.AuthFailed.data as object), errorClass: 'retryable' } };
    expect(renderMail([retryable], 'ja').text).toContain('自動で再試行');
    expect(renderMail([retryable], 'ja').text).not.toContain('受注CSV');
    const operator = { ...events.AuthFailed, data: { ...(events.AuthFailed.data as object), errorClass: 'operator-action' } };
    expect(renderMail([operator], 'ja').text).toContain('接続確認');
  });

  it('tells the operator what to do for capture errors, stuck, expiring and dead-lettered', () => {
    expect(renderMail([events.CaptureFailed], 'ja').text).toContain('注文者に連絡');
    expect(renderMail([events.PaymentStuck], 'ja').text).toContain('接続確認');
    expect(renderMail([events.PaymentStuck], 'ja').text).toContain('経過時間: 1時間5分');
    const expiring = renderMail([events.AuthExpiring], 'ja').text;
    expect(expiring).toContain('有効期限: 2025/03/07 00:30:00 JST');
    expect(expiring).toContain('オーソリを取り消してから再度オーソリ');
    const dead = renderMail([events.PaymentRequestDeadLettered], 'ja').text;
    expect(dead).toContain('再投入(replay)');
    expect(dead).toContain('payment-gateway.dlq');
  });

  it('renders English when asked', () => {
    const { subject, text } = renderMail([events.AuthFailed], 'en');
    expect(subject).toContain('Authorization failed');
    expect(text).toContain('Ask the buyer to fix their card');
  });

  it('puts many events into one digest', () => {
    const { subject, text } = renderMail(Object.values(events), 'ja');
    expect(subject).toBe('[RCP] 【まとめ】demo-shop 要対応の通知 7件');
    expect(text).toContain('7 件の事象');
    for (const e of Object.values(events)) expect(text).toContain(e.id);
  });
});
